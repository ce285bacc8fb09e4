-- Escrow trades: listings, orders and their timeline, risk flags, operator
-- settings, the bank's callbacks and credits, and API idempotency.

-- +goose Up
-- Operator-tunable settings (timers, default commission).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT REFERENCES users (id)
);

-- A buyer's personal reference for wallet top-ups by phone banking.
ALTER TABLE users ADD COLUMN topup_reference TEXT;
CREATE UNIQUE INDEX users_topup_reference ON users (topup_reference) WHERE topup_reference IS NOT NULL;

CREATE TABLE listings (
    id          BIGSERIAL PRIMARY KEY,
    seller_id   BIGINT NOT NULL REFERENCES sellers (user_id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    price       NUMERIC(18, 2) NOT NULL CHECK (price > 0),
    stock       INT NOT NULL CHECK (stock >= 0),
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX listings_seller ON listings (seller_id, id DESC);
CREATE INDEX listings_active ON listings (id DESC) WHERE status = 'active';

CREATE TABLE orders (
    id                   BIGSERIAL PRIMARY KEY,
    buyer_id             BIGINT NOT NULL REFERENCES users (id),
    seller_id            BIGINT NOT NULL REFERENCES sellers (user_id),
    listing_id           BIGINT NOT NULL REFERENCES listings (id),
    title                TEXT NOT NULL,
    unit_price           NUMERIC(18, 2) NOT NULL CHECK (unit_price > 0),
    quantity             INT NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    amount               NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    state                TEXT NOT NULL CHECK (state IN ('awaiting_payment', 'paid', 'shipped', 'completed', 'closed')),
    refund_state         TEXT NOT NULL DEFAULT 'none' CHECK (refund_state IN ('none', 'requested', 'refused', 'disputed')),
    held                 NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (held >= 0),
    refunded             NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    released             NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (released >= 0),
    fee                  NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (fee >= 0),
    -- taken back by the bank (transfer.reversed) while held
    reversed             NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (reversed >= 0),
    version              INT NOT NULL DEFAULT 1,
    funding              TEXT NOT NULL DEFAULT '' CHECK (funding IN ('', 'bank', 'wallet', 'telecom')),
    refund_amount        NUMERIC(18, 2) NOT NULL DEFAULT 0,
    refund_reason        TEXT NOT NULL DEFAULT '',
    refuse_reason        TEXT NOT NULL DEFAULT '',
    decision             TEXT NOT NULL DEFAULT '',
    pay_reference        TEXT NOT NULL,
    consignee_name       TEXT NOT NULL,
    consignee_phone      TEXT NOT NULL,
    consignee_address    TEXT NOT NULL,
    carrier              TEXT NOT NULL DEFAULT '',
    tracking_no          TEXT NOT NULL DEFAULT '',
    close_reason         TEXT NOT NULL DEFAULT '',
    confirm_extended     BOOLEAN NOT NULL DEFAULT false,
    timer_kind           TEXT NOT NULL DEFAULT '',
    timer_at             TIMESTAMPTZ,
    timer_paused_left_ns BIGINT,
    timer_job_id         BIGINT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at              TIMESTAMPTZ,
    shipped_at           TIMESTAMPTZ,
    completed_at         TIMESTAMPTZ,
    closed_at            TIMESTAMPTZ,
    CONSTRAINT orders_pay_reference_key UNIQUE (pay_reference),
    -- The order's money always adds up: what came in is held, refunded or released.
    CONSTRAINT orders_money_adds_up CHECK (state = 'awaiting_payment' OR (state = 'closed' AND paid_at IS NULL)
        OR held + refunded + released + reversed = amount)
);
CREATE INDEX orders_buyer ON orders (buyer_id, id DESC);
CREATE INDEX orders_seller ON orders (seller_id, id DESC);
CREATE INDEX orders_disputes ON orders (id) WHERE refund_state = 'disputed' AND state IN ('paid', 'shipped');

-- The timeline of each order: every step, who took it, and its details.
CREATE TABLE order_events (
    id          BIGSERIAL PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    BIGINT REFERENCES users (id),
    actor_role  TEXT NOT NULL DEFAULT 'system',
    kind        TEXT NOT NULL,
    detail      JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX order_events_order ON order_events (order_id, id);
CREATE TRIGGER order_events_immutable BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- Cases for operators: a consignee who is not the line holder, a reversed
-- transfer whose money was already spent, an unknown bank event.
CREATE TABLE risk_flags (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    order_id    BIGINT REFERENCES orders (id),
    user_id     BIGINT REFERENCES users (id),
    detail      JSONB NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ,
    resolved_by BIGINT REFERENCES users (id),
    resolution  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX risk_flags_open ON risk_flags (id) WHERE status = 'open';
CREATE INDEX risk_flags_order ON risk_flags (order_id);

-- Every callback the bank sent, stored before it is answered.
CREATE TABLE bank_events (
    webhook_id   TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    payload      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'review')),
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bank_events_pending ON bank_events (received_at) WHERE status = 'pending';

-- Money that arrived in the collection account, once per bank transaction, and
-- where it went.
CREATE TABLE bank_credits (
    bank_txn_id     TEXT PRIMARY KEY,
    amount          NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    reference       TEXT NOT NULL DEFAULT '',
    payer_account   TEXT NOT NULL DEFAULT '',
    payer_name      TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT '',
    value_date      DATE,
    outcome         TEXT NOT NULL CHECK (outcome IN ('order_paid', 'short_paid', 'overpaid', 'short', 'after_close',
                        'already_paid', 'wallet_topup', 'suspense')),
    order_id        BIGINT REFERENCES orders (id),
    user_id         BIGINT REFERENCES users (id),
    to_escrow       NUMERIC(18, 2) NOT NULL DEFAULT 0,
    to_wallet       NUMERIC(18, 2) NOT NULL DEFAULT 0,
    to_suspense     NUMERIC(18, 2) NOT NULL DEFAULT 0,
    suspense_state  TEXT CHECK (suspense_state IN ('open', 'assigned', 'return_requested')),
    suspense_note   TEXT NOT NULL DEFAULT '',
    reversal_txn_id TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bank_credits_suspense ON bank_credits (created_at) WHERE suspense_state = 'open';
CREATE INDEX bank_credits_order ON bank_credits (order_id);

-- Reversals, including those that arrive before the credit they reverse.
CREATE TABLE bank_reversals (
    reversal_txn_id TEXT PRIMARY KEY,
    bank_txn_id     TEXT NOT NULL,
    amount          NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL DEFAULT '',
    applied_at      TIMESTAMPTZ,
    recovered       NUMERIC(18, 2) NOT NULL DEFAULT 0,
    shortfall       NUMERIC(18, 2) NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bank_reversals_txn ON bank_reversals (bank_txn_id);

-- API idempotency: the same key and body returns the first response again.
CREATE TABLE api_idempotency (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    key         TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    body_hash   BYTEA NOT NULL,
    status      INT,
    response    BYTEA,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- +goose Down
DROP TABLE api_idempotency;
DROP TABLE bank_reversals;
DROP TABLE bank_credits;
DROP TABLE bank_events;
DROP TABLE risk_flags;
DROP TABLE order_events;
DROP TABLE orders;
DROP TABLE listings;
DROP INDEX users_topup_reference;
ALTER TABLE users DROP COLUMN topup_reference;
DROP TABLE settings;
