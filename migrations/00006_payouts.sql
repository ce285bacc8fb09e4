-- Money out and the books: payouts to people's bank accounts (and transfers
-- in suspense paid back to their payers), the bank statement's daily
-- reconciliation, and its breaks.

-- +goose Up
CREATE TABLE payouts (
    id                  TEXT PRIMARY KEY,             -- the platform's payout id, also the bank's Idempotency-Key
    user_id             BIGINT REFERENCES users (id), -- the owner; NULL for a return of a transfer in suspense
    source              TEXT NOT NULL,                -- wallet:<user>, seller:<user>:available or suspense
    bank_txn_id         TEXT,                         -- for a return: the credit paid back
    amount              NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    beneficiary_account TEXT NOT NULL CHECK (beneficiary_account ~ '^[0-9]{12,19}$'),
    beneficiary_name    TEXT NOT NULL CHECK (length(beneficiary_name) BETWEEN 1 AND 100),
    memo                TEXT NOT NULL DEFAULT '',
    -- requested: recorded and in transit, not sent yet (a return can still be
    -- cancelled); sending: the job is calling the bank; sent: the bank accepted
    -- it; succeeded / failed: its callback came (failed: the money went back).
    state               TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'sending', 'sent', 'succeeded', 'failed')),
    reason              TEXT NOT NULL DEFAULT '',     -- the bank's reason on failure
    paid_txn_id         TEXT,                         -- the bank's transaction of the payment
    attempts            INT NOT NULL DEFAULT 0,
    last_error          TEXT NOT NULL DEFAULT '',
    stuck_flagged       BOOLEAN NOT NULL DEFAULT false,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at             TIMESTAMPTZ,
    settled_at          TIMESTAMPTZ
);
CREATE INDEX payouts_user ON payouts (user_id, created_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX payouts_open ON payouts (created_at) WHERE state IN ('requested', 'sending', 'sent');
CREATE INDEX payouts_paid_txn ON payouts (paid_txn_id) WHERE paid_txn_id IS NOT NULL;
CREATE UNIQUE INDEX payouts_one_return ON payouts (bank_txn_id) WHERE bank_txn_id IS NOT NULL AND state <> 'failed';

-- A credit in suspense being paid back to its payer, and paid back.
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_suspense_state_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_suspense_state_check
    CHECK (suspense_state IN ('open', 'assigned', 'return_requested', 'reversed', 'returning', 'returned'));
DROP INDEX bank_credits_suspense;
CREATE INDEX bank_credits_suspense ON bank_credits (created_at) WHERE suspense_state IN ('open', 'return_requested', 'returning');

-- When a transfer happened at the bank (a callback's time, a statement line's
-- booking), as opposed to when it was recorded: the balance of
-- bank:collection at the end of a day is read by it.
ALTER TABLE ledger_transfers ADD COLUMN value_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX ledger_transfers_value_at ON ledger_transfers (value_at);

-- Each reconciliation of a day's bank statement with the ledger.
CREATE TABLE recon_runs (
    id               BIGSERIAL PRIMARY KEY,
    day              DATE NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ,
    status           TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'clean', 'breaks', 'failed')),
    opening_balance  NUMERIC(18, 2),
    closing_balance  NUMERIC(18, 2),
    ledger_balance   NUMERIC(18, 2),  -- bank:collection at the end of the day, by the ledger
    lines            INT NOT NULL DEFAULT 0,
    matched          INT NOT NULL DEFAULT 0,
    booked           INT NOT NULL DEFAULT 0,  -- credits whose callback never came, booked from the statement
    breaks           INT NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    run_by           BIGINT REFERENCES users (id)
);
CREATE INDEX recon_runs_day ON recon_runs (day DESC, id DESC);

-- What a run could not match, for an operator to clear.
CREATE TABLE recon_breaks (
    id          BIGSERIAL PRIMARY KEY,
    run_id      BIGINT NOT NULL REFERENCES recon_runs (id),
    day         DATE NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('unknown_line', 'amount_mismatch', 'missing_from_statement', 'balance_difference')),
    bank_txn_id TEXT NOT NULL DEFAULT '',
    expected    NUMERIC(18, 2),
    actual      NUMERIC(18, 2),
    detail      JSONB NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cleared')),
    cleared_at  TIMESTAMPTZ,
    cleared_by  BIGINT REFERENCES users (id),
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX recon_breaks_open ON recon_breaks (id DESC) WHERE status = 'open';
-- one open break per line and kind: a rerun of the day does not repeat it
CREATE UNIQUE INDEX recon_breaks_once ON recon_breaks (day, kind, bank_txn_id) WHERE status = 'open';

-- +goose Down
DROP TABLE recon_breaks;
DROP TABLE recon_runs;
DROP INDEX ledger_transfers_value_at;
ALTER TABLE ledger_transfers DROP COLUMN value_at;
DROP INDEX bank_credits_suspense;
CREATE INDEX bank_credits_suspense ON bank_credits (created_at) WHERE suspense_state IN ('open', 'return_requested');
UPDATE bank_credits SET suspense_state = 'return_requested' WHERE suspense_state IN ('returning', 'returned');
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_suspense_state_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_suspense_state_check
    CHECK (suspense_state IN ('open', 'assigned', 'return_requested', 'reversed'));
DROP TABLE payouts;
