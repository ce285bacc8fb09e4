-- Fixed-line charging through the telecom front-end (contracts/telecom-frontend.md):
-- landlines bound to buyers, charges and their refunds, the front-end's
-- callbacks, cycle settlements, advances to sellers and recharge cards.

-- +goose Up
-- A landline a buyer binds, and the steps of binding it: looked up (active,
-- not in arrears), holder verified (full name and the last six of the ID
-- number), a verification call read a code to the line, the buyer typed it:
-- bound. One bound landline per account and one account per landline.
CREATE TABLE landlines (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    phone          TEXT NOT NULL CHECK (phone ~ '^[0-9]{7,12}$'),
    state          TEXT NOT NULL DEFAULT 'looked_up'
                   CHECK (state IN ('looked_up', 'holder_verified', 'bound', 'unbound', 'abandoned')),
    holder_masked  TEXT NOT NULL DEFAULT '',            -- as the lookup shows it: 王*
    holder_name    TEXT NOT NULL DEFAULT '',            -- the full name, once verified
    -- HMAC of the ID number's last six under the platform's key: compared for
    -- fraud links, never shown, never reversible without the key.
    id_mac         TEXT NOT NULL DEFAULT '',
    credit_class   TEXT NOT NULL CHECK (credit_class IN ('A', 'B', 'C', 'D')),
    tenure_months  INT NOT NULL CHECK (tenure_months >= 0),
    billing_day    INT NOT NULL DEFAULT 1,
    line_status    TEXT NOT NULL DEFAULT 'active',
    in_arrears     BOOLEAN NOT NULL DEFAULT false,
    looked_up_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    holder_tries   INT NOT NULL DEFAULT 0,
    code_mac       TEXT NOT NULL DEFAULT '',            -- HMAC of the code read to the line
    code_sent_at   TIMESTAMPTZ,
    code_tries     INT NOT NULL DEFAULT 0,
    calls          INT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    bound_at       TIMESTAMPTZ,
    unbound_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX landlines_bound_phone ON landlines (phone) WHERE state = 'bound';
CREATE UNIQUE INDEX landlines_bound_user ON landlines (user_id) WHERE state = 'bound';
CREATE UNIQUE INDEX landlines_binding ON landlines (user_id) WHERE state IN ('looked_up', 'holder_verified');
CREATE INDEX landlines_phone ON landlines (phone, id DESC);

-- A charge of an order to a landline: a billing work order at the front-end.
--   requested: recorded, the front-end not answered yet (repeated with the
--              same charge_id until it answers);
--   refused:   the front-end said 422 (refusal); the order stays payable;
--   accepted:  a work order, the order paid from telecom:receivable;
--   void:      accepted for an order that could no longer be paid by it
--              (paid another way, closed): cancelled at the front-end;
--   billed, collected, overdue, written_off: the operator's callbacks;
--   cancelled: refunded in full before it was billed.
CREATE TABLE telecom_charges (
    id                TEXT PRIMARY KEY,                 -- the platform's charge_id, the front-end's key
    order_id          BIGINT NOT NULL REFERENCES orders (id),
    buyer_id          BIGINT NOT NULL REFERENCES users (id),
    seller_id         BIGINT NOT NULL REFERENCES users (id),
    landline_id       BIGINT NOT NULL REFERENCES landlines (id),
    phone             TEXT NOT NULL,
    amount            NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    state             TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'refused', 'accepted', 'void',
                          'billed', 'collected', 'overdue', 'written_off', 'cancelled')),
    refusal           TEXT NOT NULL DEFAULT '',
    work_order_id     TEXT,
    bill_cycle        TEXT,
    billed_at         TIMESTAMPTZ,
    collected_at      TIMESTAMPTZ,
    days_overdue      INT NOT NULL DEFAULT 0,
    late_fee          NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (late_fee >= 0), -- accrued and booked
    credited          NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (credited >= 0), -- refunded to the bill
    -- The seller's proceeds: what the release put in seller:pending, what an
    -- advance moved to available early, and whether the rest went there.
    to_pending        NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (to_pending >= 0),
    advanced          NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (advanced >= 0 AND advanced <= to_pending),
    proceeds_released BOOLEAN NOT NULL DEFAULT false,
    holder_mismatch   BOOLEAN NOT NULL DEFAULT false,   -- the consignee is not the line's holder
    flagged           BOOLEAN NOT NULL DEFAULT false,   -- a fraud link or mismatch: never advanced
    links             JSONB NOT NULL DEFAULT '[]',      -- what linked the seller to the line
    -- The work order's words, fixed when the charge is recorded: every
    -- repeat of the call sends the same body under the same key.
    merchant_name     TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    -- What the write-off booked (the subscriber's debt, its late fees), so
    -- a bill paid after all reverses exactly that.
    written_off       NUMERIC(18, 2) NOT NULL DEFAULT 0,
    written_off_fee   NUMERIC(18, 2) NOT NULL DEFAULT 0,
    settled_cycle     TEXT,                             -- the settlement that paid its collection over
    attempts          INT NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    accepted_at       TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One live charge per order: a refused or voided one leaves room for another.
CREATE UNIQUE INDEX telecom_charges_order ON telecom_charges (order_id) WHERE state NOT IN ('refused', 'void');
CREATE INDEX telecom_charges_phone ON telecom_charges (phone, created_at DESC);
CREATE INDEX telecom_charges_buyer ON telecom_charges (buyer_id, created_at DESC);
CREATE INDEX telecom_charges_work_order ON telecom_charges (work_order_id) WHERE work_order_id IS NOT NULL;
CREATE INDEX telecom_charges_cycle ON telecom_charges (bill_cycle) WHERE bill_cycle IS NOT NULL;
CREATE INDEX telecom_charges_open ON telecom_charges (created_at) WHERE state IN ('requested', 'void');
-- Proceeds waiting in seller:pending, for the advance and the sellers' pages.
CREATE INDEX telecom_charges_pending ON telecom_charges (seller_id, created_at)
    WHERE to_pending > 0 AND NOT proceeds_released;

-- A refund of a charge: a cancel while it is not billed, else a bill credit.
CREATE TABLE telecom_refunds (
    id          TEXT PRIMARY KEY,                       -- the platform's credit_id, the front-end's key
    charge_id   TEXT NOT NULL REFERENCES telecom_charges (id),
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    amount      NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    -- cancel, bill_credit: at the front-end; none: the charge was written
    -- off (nothing to give back); wallet: the front-end refused the credit
    -- and an operator refunded the buyer's balance instead.
    method      TEXT NOT NULL CHECK (method IN ('cancel', 'bill_credit', 'none', 'wallet')),
    state       TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'done')),
    bill_cycle  TEXT,
    deducted_cycle TEXT,                                -- the settlement that deducted the credit
    attempts    INT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at     TIMESTAMPTZ
);
CREATE INDEX telecom_refunds_charge ON telecom_refunds (charge_id);
CREATE INDEX telecom_refunds_open ON telecom_refunds (created_at) WHERE state = 'requested';

-- The front-end's callbacks, stored before they are answered, as the bank's.
CREATE TABLE telecom_events (
    webhook_id   TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    payload      JSONB,
    raw          BYTEA NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'review')),
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX telecom_events_pending ON telecom_events (received_at) WHERE status = 'pending';
CREATE INDEX telecom_events_charge ON telecom_events ((payload #>> '{data,charge_id}'));

-- A cycle the operator settled: what cycle.settled announced, the bank
-- transfer that carried it, and the settlement report matched to the charges.
CREATE TABLE telecom_settlements (
    cycle           TEXT PRIMARY KEY CHECK (cycle ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    reference       TEXT NOT NULL UNIQUE,
    announced       NUMERIC(18, 2),                     -- cycle.settled's amount
    received        NUMERIC(18, 2) NOT NULL DEFAULT 0,  -- the bank transfers carrying the reference
    bank_txn_id     TEXT,
    total_collected NUMERIC(18, 2),                     -- the report's
    commission      NUMERIC(18, 2),                     -- booked to expense:telecom_commission
    report          JSONB,
    recon_status    TEXT NOT NULL DEFAULT 'pending' CHECK (recon_status IN ('pending', 'clean', 'breaks', 'failed')),
    recon_error     TEXT NOT NULL DEFAULT '',
    lines           INT NOT NULL DEFAULT 0,
    matched         INT NOT NULL DEFAULT 0,
    breaks          INT NOT NULL DEFAULT 0,
    reconciled_at   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A settlement transfer from the operator is a bank credit of its own kind.
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_outcome_check;
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_outcome_check CHECK (outcome IN ('order_paid', 'short_paid',
    'overpaid', 'short', 'after_close', 'already_paid', 'wallet_topup', 'suspense', 'telecom_settlement'));

-- The cycle's breaks go to the operators' reconciliation queue beside the
-- bank statement's: a break has a day (bank) or a cycle (telecom).
ALTER TABLE recon_breaks ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE recon_breaks ALTER COLUMN day DROP NOT NULL;
ALTER TABLE recon_breaks ADD COLUMN cycle TEXT NOT NULL DEFAULT '';
ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_kind_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_kind_check CHECK (kind IN ('unknown_line', 'amount_mismatch',
    'missing_from_statement', 'balance_difference',
    'unknown_charge', 'status_mismatch', 'late_fee_mismatch', 'missing_from_report', 'unknown_credit',
    'total_mismatch', 'transfer_mismatch'));
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_day_or_cycle CHECK ((day IS NOT NULL AND run_id IS NOT NULL) OR cycle <> '');
CREATE UNIQUE INDEX recon_breaks_cycle_once ON recon_breaks (cycle, kind, bank_txn_id) WHERE status = 'open' AND cycle <> '';

-- Advances: the caps per seller (the global cap is a setting), and each
-- advance made.
CREATE TABLE advance_caps (
    seller_id  BIGINT PRIMARY KEY REFERENCES users (id),
    cap        NUMERIC(18, 2) NOT NULL CHECK (cap >= 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT REFERENCES users (id)
);
CREATE TABLE advances (
    id         BIGSERIAL PRIMARY KEY,
    seller_id  BIGINT NOT NULL REFERENCES users (id),
    charge_id  TEXT NOT NULL REFERENCES telecom_charges (id),
    amount     NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    actor_id   BIGINT REFERENCES users (id),            -- the operator; NULL for the daily job
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX advances_seller ON advances (seller_id, created_at DESC);
-- One row all advances lock: concurrent advances never exceed the global cap.
CREATE TABLE advance_lock (id INT PRIMARY KEY CHECK (id = 1));
INSERT INTO advance_lock VALUES (1);

-- Recharge cards redeemed into wallets.
CREATE TABLE card_redemptions (
    id          TEXT PRIMARY KEY,                       -- the platform's redemption_id, the front-end's key
    user_id     BIGINT NOT NULL REFERENCES users (id),
    card_last4  TEXT NOT NULL,                          -- never the whole number, never the PIN
    card_mac    TEXT NOT NULL,                          -- HMAC of the number: one redemption in flight per card
    -- The number and PIN sealed (AES-GCM, a key derived from the payment
    -- password pepper, never in the database) while the front-end has not
    -- answered, so the job can repeat the call; erased once it has.
    sealed      BYTEA,
    state       TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'redeemed', 'refused')),
    refusal     TEXT NOT NULL DEFAULT '',
    face_value  NUMERIC(18, 2),
    attempts    INT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at     TIMESTAMPTZ
);
CREATE INDEX card_redemptions_user ON card_redemptions (user_id, created_at DESC);
CREATE UNIQUE INDEX card_redemptions_in_flight ON card_redemptions (card_mac) WHERE state = 'requested';

-- A seller's return address, compared with buyers' delivery addresses.
ALTER TABLE sellers ADD COLUMN address TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sellers DROP COLUMN address;
DROP TABLE card_redemptions;
DROP TABLE advance_lock;
DROP TABLE advances;
DROP TABLE advance_caps;
DROP INDEX recon_breaks_cycle_once;
DELETE FROM recon_breaks WHERE cycle <> '';
ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_day_or_cycle;
ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_kind_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_kind_check CHECK (kind IN ('unknown_line', 'amount_mismatch',
    'missing_from_statement', 'balance_difference'));
ALTER TABLE recon_breaks DROP COLUMN cycle;
ALTER TABLE recon_breaks ALTER COLUMN day SET NOT NULL;
ALTER TABLE recon_breaks ALTER COLUMN run_id SET NOT NULL;
ALTER TABLE bank_credits DROP CONSTRAINT bank_credits_outcome_check;
UPDATE bank_credits SET outcome = 'suspense' WHERE outcome = 'telecom_settlement';
ALTER TABLE bank_credits ADD CONSTRAINT bank_credits_outcome_check CHECK (outcome IN ('order_paid', 'short_paid',
    'overpaid', 'short', 'after_close', 'already_paid', 'wallet_topup', 'suspense'));
DROP TABLE telecom_settlements;
DROP TABLE telecom_events;
DROP TABLE telecom_refunds;
DROP TABLE telecom_charges;
DROP TABLE landlines;
