-- Rate limits shared by every node (app/auth.Limiter): one row per key (a
-- login name, a client address, a registration number) holding the bucket's
-- theoretical arrival time (GCRA): an attempt at time t is allowed when
-- max(tat, t) + interval <= t + burst × interval, and moves tat there. A row
-- whose tat has passed is a full bucket, the same as no row, and is swept.

-- +goose Up
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY CHECK (length(key) <= 200),
    tat TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- +goose Down
DROP TABLE rate_limits;
