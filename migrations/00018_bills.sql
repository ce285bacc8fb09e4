-- Bills: the companies whose bills buyers pay from their balance (the
-- telecom operator for phone and broadband, electricity, water), each with a
-- liability account biller:<code> in the ledger holding what was paid to it
-- and not yet settled to its bank account; and the payments, each with its
-- receipt number and the state of its signed payment notice to the biller.

-- +goose Up
CREATE TABLE billers (
    code         TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,30}$'), -- the ledger account is biller:<code>
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    category     TEXT NOT NULL CHECK (category IN ('telecom', 'electricity', 'water')),
    api_url      TEXT NOT NULL,                -- base of the biller's bill API (POST /v1/bills/query, /v1/payments)
    bank_account TEXT NOT NULL CHECK (bank_account ~ '^[0-9]{12,19}$'),
    bank_holder  TEXT NOT NULL CHECK (length(bank_holder) BETWEEN 1 AND 100),
    active       BOOLEAN NOT NULL DEFAULT true,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE bill_payments (
    id           TEXT PRIMARY KEY,                     -- BP…, also the notice's webhook-id
    receipt_no   TEXT NOT NULL UNIQUE,                 -- shown on the receipt
    user_id      BIGINT NOT NULL REFERENCES users (id),
    idem_key     TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    biller_code  TEXT NOT NULL REFERENCES billers (code),
    account      TEXT NOT NULL CHECK (account ~ '^[0-9A-Za-z]{4,32}$'),
    holder       TEXT NOT NULL DEFAULT '',             -- as the biller showed it (masked)
    amount       NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    owed_before  NUMERIC(18, 2) NOT NULL,              -- what the biller said was owed just before
    -- pending: not sent yet; retrying: a try failed, another follows;
    -- delivered: the biller acknowledged it; failed: every try failed (an
    -- operator sends it again by hand).
    notice_state TEXT NOT NULL DEFAULT 'pending' CHECK (notice_state IN ('pending', 'retrying', 'delivered', 'failed')),
    notice_tries INT NOT NULL DEFAULT 0,
    notice_error TEXT NOT NULL DEFAULT '',
    owed_after   NUMERIC(18, 2),                       -- what the biller said was left, when it acknowledged
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at TIMESTAMPTZ,
    UNIQUE (user_id, idem_key)
);
CREATE INDEX bill_payments_user ON bill_payments (user_id, created_at DESC);
CREATE INDEX bill_payments_biller ON bill_payments (biller_code, created_at DESC);
CREATE INDEX bill_payments_undelivered ON bill_payments (created_at) WHERE notice_state <> 'delivered';

-- +goose Down
DROP TABLE bill_payments;
DROP TABLE billers;
