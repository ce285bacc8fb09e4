-- In-store (face-to-face) payments (app/instore): a seller's shop number,
-- and the payments made to it straight from a payer's wallet, with their
-- refunds. The money is in the ledger (transfers instore:<id> and
-- instore:<id>:refund); these rows say who paid whom, when, and whether it
-- was refunded.

-- +goose Up
CREATE TABLE instore_shops (
    seller_id   BIGINT PRIMARY KEY REFERENCES sellers (user_id),
    shop_number TEXT NOT NULL UNIQUE CHECK (shop_number ~ '^[1-9][0-9]{6}$'),
    enabled     BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE instore_payments (
    id          TEXT PRIMARY KEY,
    seller_id   BIGINT NOT NULL REFERENCES sellers (user_id),
    payer_id    BIGINT NOT NULL REFERENCES users (id),
    shop_number TEXT NOT NULL,
    amount      NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    fee         NUMERIC(18, 2) NOT NULL CHECK (fee >= 0 AND fee <= amount),
    rate        NUMERIC(6, 4) NOT NULL CHECK (rate >= 0 AND rate < 1),
    payer_last4 TEXT NOT NULL CHECK (payer_last4 ~ '^[0-9]{0,4}$'),
    channel     TEXT NOT NULL CHECK (channel IN ('web', 'hotline')),
    -- The payer's idempotency key, with what it was used for: the same key
    -- again pays nothing twice.
    idem_key    TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    created_at  TIMESTAMPTZ NOT NULL,
    refunded_at TIMESTAMPTZ,
    refunded_by BIGINT REFERENCES users (id),
    UNIQUE (payer_id, idem_key)
);
CREATE INDEX instore_payments_seller ON instore_payments (seller_id, created_at DESC);
CREATE INDEX instore_payments_payer ON instore_payments (payer_id, created_at DESC);

-- +goose Down
DROP TABLE instore_payments;
DROP TABLE instore_shops;
