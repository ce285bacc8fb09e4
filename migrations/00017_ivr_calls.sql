-- Calls to the payment hotline (app/ivr): one row per call the IVR platform
-- starts at /ivr/start. The caller's number is the one the platform delivered
-- (trusted only from its addresses or with its signature); user_id is the
-- account the line is bound to, NULL for a line bound to nobody. The row
-- counts the wrong payment passwords typed in the call (three end it) and
-- says where the caller was when handed to a person (context, for the
-- operators' incoming calls). Nothing the caller typed is kept.

-- +goose Up
CREATE TABLE ivr_calls (
    id              bigserial PRIMARY KEY,
    phone           text NOT NULL,
    user_id         bigint REFERENCES users (id),
    platform_call   text NOT NULL DEFAULT '',
    pin_failures    int NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    last_menu       text NOT NULL DEFAULT '',
    transferred_at  timestamptz,
    ended_at        timestamptz,
    end_reason      text NOT NULL DEFAULT '',
    started_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ivr_calls_transferred ON ivr_calls (transferred_at DESC) WHERE transferred_at IS NOT NULL;
CREATE INDEX ivr_calls_user ON ivr_calls (user_id, started_at DESC) WHERE user_id IS NOT NULL;

-- +goose Down
DROP TABLE ivr_calls;
