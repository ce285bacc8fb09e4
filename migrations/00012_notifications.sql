-- In-app notifications (app/notices): one row per person told of something,
-- written in the same transaction as the event that causes it. The text is
-- not stored: kind and params are rendered in the reader's language. A
-- deadline reminder carries a once_key, unique, so it is written once
-- however many nodes run the reminder job at the same moment.

-- +goose Up
CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    order_id   BIGINT REFERENCES orders (id),
    payout_id  TEXT REFERENCES payouts (id),
    params     JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(params) = 'array'),
    once_key   TEXT UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at    TIMESTAMPTZ
);
-- A person's notices, newest first (the list, paged by id).
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
-- The unread badge: one index-only count of a small partial index.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
-- The reminder job's scan: orders whose deadline comes within a day.
CREATE INDEX orders_deadline ON orders (timer_at) WHERE timer_kind IN ('ship_by', 'auto_confirm', 'refund_answer');

-- +goose Down
DROP INDEX orders_deadline;
DROP TABLE notifications;
