-- The merchant gateway (app/gateway): other shops take escrow payments through
-- LineEscrow with signed requests, a hosted cashier and signed asynchronous
-- notifications. Merchants' private keys never reach the platform; the
-- platform's own private key is not in the database either (a file or an
-- environment variable, GATEWAY_KEY_FILE / GATEWAY_PRIVATE_KEY): only its
-- public half is recorded here.

-- +goose Up
-- An order may come from a gateway trade instead of a listing: it has no
-- listing (so no stock), and no buyer until one takes it at the cashier; such
-- an order is never paid (the pay step's guard, and this check).
ALTER TABLE orders ADD COLUMN origin TEXT NOT NULL DEFAULT 'listing' CHECK (origin IN ('listing', 'gateway'));
ALTER TABLE orders ALTER COLUMN listing_id DROP NOT NULL;
ALTER TABLE orders ALTER COLUMN buyer_id DROP NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_origin_listing CHECK ((origin = 'listing') = (listing_id IS NOT NULL));
ALTER TABLE orders ADD CONSTRAINT orders_buyer_known CHECK (buyer_id IS NOT NULL OR (origin = 'gateway' AND paid_at IS NULL));

-- A seller an operator approved as a merchant of the gateway.
CREATE TABLE gateway_merchants (
    id           BIGSERIAL PRIMARY KEY,
    app_id       TEXT NOT NULL UNIQUE CHECK (app_id ~ '^[0-9]{16}$'),
    seller_id    BIGINT NOT NULL UNIQUE REFERENCES sellers (user_id),
    status       TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'frozen')),
    status_note  TEXT NOT NULL DEFAULT '',
    -- Where notifications go when trade.create names no notify_url.
    notify_url   TEXT NOT NULL DEFAULT '',
    -- The hosts (host or host:port) a trade's return_url may point at.
    return_hosts JSONB NOT NULL DEFAULT '[]',
    approved_by  BIGINT NOT NULL REFERENCES users (id),
    approved_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A merchant's RSA public keys. The current one has no end; a rotation gives
-- the previous one an end at most 24 hours later, both valid meanwhile.
CREATE TABLE gateway_merchant_keys (
    id          BIGSERIAL PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES gateway_merchants (id),
    public_key  TEXT NOT NULL,                 -- PEM, SubjectPublicKeyInfo
    fingerprint TEXT NOT NULL,                 -- SHA-256 of the DER, hex
    bits        INT NOT NULL CHECK (bits >= 2048),
    valid_from  TIMESTAMPTZ NOT NULL,
    valid_until TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE UNIQUE INDEX gateway_merchant_keys_current ON gateway_merchant_keys (merchant_id) WHERE valid_until IS NULL;
CREATE INDEX gateway_merchant_keys_merchant ON gateway_merchant_keys (merchant_id, id DESC);

-- The public half of the platform's key pair, as merchants were given it: a
-- node whose private key does not match the current one refuses to start.
CREATE TABLE gateway_platform_keys (
    fingerprint TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    current     BOOLEAN NOT NULL DEFAULT true,
    first_used  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX gateway_platform_keys_current ON gateway_platform_keys (current) WHERE current;

-- Nonces of signed requests, kept while their timestamp is acceptable; the
-- primary key makes a replay fail however many arrive at once.
CREATE TABLE gateway_nonces (
    merchant_id BIGINT NOT NULL REFERENCES gateway_merchants (id),
    nonce       TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (merchant_id, nonce)
);
CREATE INDEX gateway_nonces_expiry ON gateway_nonces (expires_at);

-- A trade a merchant created: its out_trade_no once per merchant, with a
-- fingerprint of what it asked for (the same number with the same content is
-- the same trade), and the order in the escrow lifecycle it became.
CREATE TABLE gateway_trades (
    trade_no     TEXT PRIMARY KEY,
    merchant_id  BIGINT NOT NULL REFERENCES gateway_merchants (id),
    out_trade_no TEXT NOT NULL,
    fingerprint  BYTEA NOT NULL,
    order_id     BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    body         TEXT NOT NULL DEFAULT '',
    notify_url   TEXT NOT NULL,
    return_url   TEXT NOT NULL DEFAULT '',
    timeout_secs BIGINT NOT NULL CHECK (timeout_secs BETWEEN 60 AND 1296000),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT gateway_trades_out_trade_no UNIQUE (merchant_id, out_trade_no)
);

-- The merchant's refunds, once per out_request_no of a trade.
CREATE TABLE gateway_refunds (
    trade_no       TEXT NOT NULL REFERENCES gateway_trades (trade_no),
    out_request_no TEXT NOT NULL,
    amount         NUMERIC(18, 2) NOT NULL CHECK (amount > 0),
    reason         TEXT NOT NULL DEFAULT '',
    fingerprint    BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_no, out_request_no)
);

-- A notification of a trade's change, recorded in the transaction of the
-- change and sent by a River job after it committed, retried until the
-- merchant answers "success"; each try in gateway_notify_tries.
CREATE TABLE gateway_notifications (
    notify_id       TEXT PRIMARY KEY,
    seq             BIGSERIAL NOT NULL UNIQUE,          -- the order they were recorded in
    trade_no        TEXT NOT NULL REFERENCES gateway_trades (trade_no),
    merchant_id     BIGINT NOT NULL REFERENCES gateway_merchants (id),
    event           TEXT NOT NULL CHECK (event IN ('paid', 'shipped', 'finished', 'closed', 'refunded')),
    trade_status    TEXT NOT NULL,
    url             TEXT NOT NULL,
    -- The fields as recorded; notify_time, sign_type and sign are added at each try.
    params          JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    tries           INT NOT NULL DEFAULT 0,
    next_try_at     TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gateway_notifications_merchant ON gateway_notifications (merchant_id, seq DESC);
CREATE INDEX gateway_notifications_trade ON gateway_notifications (trade_no, seq);

CREATE TABLE gateway_notify_tries (
    id          BIGSERIAL PRIMARY KEY,
    notify_id   TEXT NOT NULL REFERENCES gateway_notifications (notify_id),
    try         INT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    -- delivered: answered "success"; answered: anything else; unreachable: no
    -- answer; blocked: the address is loopback, private or link-local.
    outcome     TEXT NOT NULL CHECK (outcome IN ('delivered', 'answered', 'unreachable', 'blocked')),
    http_status INT,
    response    TEXT NOT NULL DEFAULT '',      -- the answer's first 256 bytes
    error       TEXT NOT NULL DEFAULT '',
    next_try_at TIMESTAMPTZ,
    by_hand     BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX gateway_notify_tries_notification ON gateway_notify_tries (notify_id, id);

-- +goose Down
DROP TABLE gateway_notify_tries;
DROP TABLE gateway_notifications;
DROP TABLE gateway_refunds;
DROP TABLE gateway_trades;
DROP TABLE gateway_nonces;
DROP TABLE gateway_platform_keys;
DROP TABLE gateway_merchant_keys;
DROP TABLE gateway_merchants;
-- Orders from gateway trades are money records: with any of them present the
-- rollback stops here (the columns cannot be NOT NULL again) rather than
-- delete them.
ALTER TABLE orders DROP CONSTRAINT orders_buyer_known;
ALTER TABLE orders DROP CONSTRAINT orders_origin_listing;
ALTER TABLE orders ALTER COLUMN buyer_id SET NOT NULL;
ALTER TABLE orders ALTER COLUMN listing_id SET NOT NULL;
ALTER TABLE orders DROP COLUMN origin;
