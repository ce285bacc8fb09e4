-- Transfers between buyers' balances (app/transfers): a buyer sends money
-- from the wallet to another person's wallet, found by the number the sender
-- keyed in (the recipient's bound landline or mobile login). The money is
-- in the ledger (transfer transfer:<id>, wallet → wallet); these rows say who
-- sent whom how much, by which number, and carry the sender's idempotency key.

-- +goose Up
CREATE TABLE wallet_transfers (
    id           TEXT PRIMARY KEY,
    sender_id    BIGINT NOT NULL REFERENCES users (id),
    recipient_id BIGINT NOT NULL REFERENCES users (id),
    -- The number the sender keyed in (digits), shown to both masked.
    number       TEXT NOT NULL CHECK (number ~ '^[0-9]{7,12}$'),
    amount       NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    channel      TEXT NOT NULL CHECK (channel IN ('web', 'hotline')),
    idem_key     TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (sender_id <> recipient_id),
    UNIQUE (sender_id, idem_key)
);
CREATE INDEX wallet_transfers_sender ON wallet_transfers (sender_id, created_at DESC);
CREATE INDEX wallet_transfers_recipient ON wallet_transfers (recipient_id, created_at DESC);

-- +goose Down
DROP TABLE wallet_transfers;
