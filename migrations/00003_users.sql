-- People: buyers, sellers and operators; the audit log.

-- +goose Up
CREATE TABLE users (
    id                BIGSERIAL PRIMARY KEY,
    role              TEXT NOT NULL CHECK (role IN ('buyer', 'seller', 'operator')),
    login             TEXT NOT NULL CHECK (login ~ '^[0-9]{10,12}$'),
    display_name      TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    password_hash     TEXT NOT NULL,
    -- Every session token carries the version it was issued under; bumping it
    -- (logout, password change) revokes them all.
    token_version     INT NOT NULL DEFAULT 1,
    frozen            BOOLEAN NOT NULL DEFAULT false,
    frozen_reason     TEXT NOT NULL DEFAULT '',
    pay_password_hash TEXT,
    pay_failures      INT NOT NULL DEFAULT 0,
    pay_locked_until  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_login_key UNIQUE (login)
);

CREATE TABLE sellers (
    user_id         BIGINT PRIMARY KEY REFERENCES users (id),
    shop_name       TEXT NOT NULL CHECK (length(shop_name) BETWEEN 1 AND 100),
    legal_name      TEXT NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 100),
    bank_account    TEXT NOT NULL CHECK (bank_account ~ '^[0-9]{12,19}$'),
    bank_holder     TEXT NOT NULL CHECK (length(bank_holder) BETWEEN 1 AND 100),
    commission_rate NUMERIC(6, 4) NOT NULL DEFAULT 0.0060 CHECK (commission_rate >= 0 AND commission_rate < 1)
);

-- Append-only: who did what to what, and when.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id   BIGINT REFERENCES users (id),
    actor_role TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     JSONB NOT NULL DEFAULT '{}',
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);
-- +goose StatementBegin
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- +goose Down
DROP TABLE audit_log;
DROP TABLE sellers;
DROP TABLE users;
DROP FUNCTION append_only();
