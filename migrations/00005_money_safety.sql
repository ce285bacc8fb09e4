-- Money safety: reversals that follow the money, claw-backs, raw webhook
-- deliveries, keyed idempotency fingerprints with a retention, and the
-- indexes and snapshots that keep hot pages bounded.

-- +goose Up
-- Every correctly signed delivery is kept as received (the signature covers
-- these bytes); payload is the parsed JSON when it parses, NULL otherwise.
ALTER TABLE bank_events ADD COLUMN raw BYTEA;
ALTER TABLE bank_events ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE bank_events ALTER COLUMN type SET DEFAULT '';
CREATE INDEX bank_events_review ON bank_events (received_at DESC) WHERE status = 'review';
CREATE INDEX bank_events_received ON bank_events (received_at DESC);

-- What of each part of a credit (suspense, escrow, wallet) the bank has taken
-- back so far, recovered or not; a credit is reversed at most up to its amount.
ALTER TABLE bank_credits ADD COLUMN reversed NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (reversed >= 0);
ALTER TABLE bank_credits ADD COLUMN reversed_suspense NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_credits ADD COLUMN reversed_escrow NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_credits ADD COLUMN reversed_wallet NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_reversed_le_amount CHECK (reversed <= amount);
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_suspense_state_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_suspense_state_check
    CHECK (suspense_state IN ('open', 'assigned', 'return_requested', 'reversed'));
DROP INDEX bank_credits_suspense;
CREATE INDEX bank_credits_suspense ON bank_credits (created_at) WHERE suspense_state IN ('open', 'return_requested');
CREATE INDEX bank_credits_short ON bank_credits (order_id) WHERE outcome = 'short';

-- Where each reversal took its money from.
ALTER TABLE bank_reversals ADD COLUMN from_suspense NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN from_escrow NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN from_refund NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN from_release NUMERIC(18, 2) NOT NULL DEFAULT 0;
-- of from_release, the part that was the platform's commission
ALTER TABLE bank_reversals ADD COLUMN from_fees NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN from_wallet NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN excess NUMERIC(18, 2) NOT NULL DEFAULT 0;
ALTER TABLE bank_reversals ADD COLUMN order_id BIGINT REFERENCES orders (id);
CREATE INDEX bank_reversals_unapplied ON bank_reversals (created_at) WHERE applied_at IS NULL;
CREATE INDEX bank_reversals_order ON bank_reversals (order_id) WHERE order_id IS NOT NULL;

-- A recalled payment that had already been spent or paid out: what the platform
-- is owed by one person (booked on clawback:<user>), until an operator decides
-- to recover it from that person's next credits or to write it off.
CREATE TABLE clawbacks (
    id              BIGSERIAL PRIMARY KEY,
    reversal_txn_id TEXT NOT NULL REFERENCES bank_reversals (reversal_txn_id),
    user_id         BIGINT NOT NULL REFERENCES users (id),
    -- the account the money is recovered from: wallet:<user> or seller:<user>:available
    source          TEXT NOT NULL,
    order_id        BIGINT REFERENCES orders (id),
    amount          NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    recovered       NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (recovered >= 0),
    written_off     NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (written_off >= 0),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'recovering', 'recovered', 'written_off')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at      TIMESTAMPTZ,
    decided_by      BIGINT REFERENCES users (id),
    note            TEXT NOT NULL DEFAULT '',
    CONSTRAINT clawbacks_adds_up CHECK (recovered + written_off <= amount),
    CONSTRAINT clawbacks_once UNIQUE (reversal_txn_id, source)
);
CREATE INDEX clawbacks_user_active ON clawbacks (user_id, id) WHERE status IN ('open', 'recovering');
CREATE INDEX clawbacks_open ON clawbacks (id) WHERE status IN ('open', 'recovering');

-- Risk flags say what raised them; open ones are listed newest first.
CREATE INDEX risk_flags_open_kind ON risk_flags (kind, id DESC) WHERE status = 'open';

-- Idempotency records hold a keyed HMAC of the request (never a secret), and
-- live 24 hours. The old unkeyed digests of bodies that carried payment
-- passwords are dropped.
DELETE FROM api_idempotency;
ALTER TABLE api_idempotency RENAME COLUMN body_hash TO fingerprint;
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- Searches and filters that must not scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX listings_search ON listings USING gin ((title || ' ' || description) gin_trgm_ops) WHERE status = 'active';
CREATE INDEX sellers_shop_search ON sellers USING gin (shop_name gin_trgm_ops);
CREATE INDEX users_name_search ON users USING gin (display_name gin_trgm_ops);
CREATE INDEX users_login_search ON users USING gin (login gin_trgm_ops);
CREATE INDEX audit_log_action_prefix ON audit_log (action text_pattern_ops, id DESC);
CREATE INDEX orders_consignee_phone ON orders (consignee_phone, id DESC);
CREATE INDEX orders_seller_active ON orders (seller_id, state, refund_state) WHERE state IN ('paid', 'shipped');
CREATE INDEX audit_log_target ON audit_log (target, id DESC);
CREATE INDEX ledger_transfers_created ON ledger_transfers (created_at);

-- A seller's money by stage at the end of each day (Asia/Shanghai), written by
-- a periodic job, so the dashboard's chart reads 30 rows instead of every posting.
CREATE TABLE seller_balance_days (
    seller_id  BIGINT NOT NULL REFERENCES sellers (user_id),
    day        DATE NOT NULL,
    held       NUMERIC(18, 2) NOT NULL,
    pending    NUMERIC(18, 2) NOT NULL,
    available  NUMERIC(18, 2) NOT NULL,
    taken_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (seller_id, day)
);

-- Totals of the per-person accounts (all escrows, all wallets, all seller
-- balances), summed by a periodic job for the operators' overview.
CREATE TABLE ledger_totals (
    class     TEXT PRIMARY KEY,
    total     NUMERIC(18, 2) NOT NULL,
    accounts  BIGINT NOT NULL,
    taken_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE ledger_totals;
DROP TABLE seller_balance_days;
DROP INDEX ledger_transfers_created;
DROP INDEX audit_log_target;
DROP INDEX orders_seller_active;
DROP INDEX orders_consignee_phone;
DROP INDEX audit_log_action_prefix;
DROP INDEX users_login_search;
DROP INDEX users_name_search;
DROP INDEX sellers_shop_search;
DROP INDEX listings_search;
DROP INDEX api_idempotency_created;
ALTER TABLE api_idempotency RENAME COLUMN fingerprint TO body_hash;
DROP INDEX risk_flags_open_kind;
DROP TABLE clawbacks;
DROP INDEX bank_reversals_order;
DROP INDEX bank_reversals_unapplied;
ALTER TABLE bank_reversals DROP COLUMN order_id, DROP COLUMN excess, DROP COLUMN from_wallet, DROP COLUMN from_release, DROP COLUMN from_fees,
    DROP COLUMN from_refund, DROP COLUMN from_escrow, DROP COLUMN from_suspense;
DROP INDEX bank_credits_short;
DROP INDEX bank_credits_suspense;
UPDATE bank_credits SET suspense_state = NULL WHERE suspense_state = 'reversed';
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_suspense_state_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_suspense_state_check
    CHECK (suspense_state IN ('open', 'assigned', 'return_requested'));
CREATE INDEX bank_credits_suspense ON bank_credits (created_at) WHERE suspense_state = 'open';
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_reversed_le_amount;
ALTER TABLE bank_credits DROP COLUMN reversed_wallet, DROP COLUMN reversed_escrow, DROP COLUMN reversed_suspense, DROP COLUMN reversed;
DROP INDEX bank_events_received;
DROP INDEX bank_events_review;
DELETE FROM bank_events WHERE payload IS NULL;
ALTER TABLE bank_events ALTER COLUMN type DROP DEFAULT;
ALTER TABLE bank_events ALTER COLUMN payload SET NOT NULL;
ALTER TABLE bank_events DROP COLUMN raw;
