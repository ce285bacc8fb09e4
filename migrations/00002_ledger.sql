-- The double-entry ledger. Balances are kept on the accounts' normal side
-- (assets and expenses grow by debits, the rest by credits).

-- +goose Up
CREATE TABLE ledger_accounts (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'revenue', 'expense', 'equity')),
    constrained BOOLEAN NOT NULL,
    shards      SMALLINT NOT NULL CHECK (shards BETWEEN 1 AND 64),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A constrained account has one balance row (read in O(1), locked by every
-- posting). An unconstrained, hot account (bank:collection, revenue:fees …) has
-- several shard rows: each posting updates one at random, so concurrent transfers
-- rarely wait on one another; its balance is the sum of its few shards.
CREATE TABLE ledger_balances (
    account_id  BIGINT NOT NULL REFERENCES ledger_accounts (id),
    shard       SMALLINT NOT NULL,
    constrained BOOLEAN NOT NULL,
    balance     NUMERIC(18, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, shard),
    CONSTRAINT ledger_balance_not_negative CHECK (NOT constrained OR balance >= 0)
);

CREATE TABLE ledger_transfers (
    id              BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    memo            TEXT NOT NULL DEFAULT '',
    fingerprint     BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ledger_transfers_idempotency_key UNIQUE (idempotency_key)
);
CREATE INDEX ledger_transfers_ref ON ledger_transfers (ref) WHERE ref <> '';

CREATE TABLE ledger_postings (
    id          BIGSERIAL PRIMARY KEY,
    transfer_id BIGINT NOT NULL REFERENCES ledger_transfers (id),
    account_id  BIGINT NOT NULL REFERENCES ledger_accounts (id),
    direction   TEXT NOT NULL CHECK (direction IN ('debit', 'credit')),
    amount      NUMERIC(18, 2) NOT NULL CHECK (amount > 0)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id, id);
CREATE INDEX ledger_postings_transfer ON ledger_postings (transfer_id);

-- Postings and transfers are facts: corrections are new reversing transfers.
-- +goose StatementBegin
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; post a reversing transfer instead', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_transfers_immutable BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

-- Second line behind the Go check: at commit, every transfer created, and every
-- transfer that received a posting, must have at least two postings whose
-- debits equal its credits.
-- +goose StatementBegin
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tid BIGINT;
    n   INT;
    net NUMERIC;
BEGIN
    IF TG_TABLE_NAME = 'ledger_transfers' THEN
        tid := NEW.id;
    ELSE
        tid := NEW.transfer_id;
    END IF;
    SELECT count(*), coalesce(sum(CASE direction WHEN 'debit' THEN amount ELSE -amount END), 0)
      INTO n, net
      FROM ledger_postings WHERE transfer_id = tid;
    IF n < 2 OR net <> 0 THEN
        RAISE EXCEPTION 'ledger: transfer % does not balance (% postings, net %)', tid, n, net
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER ledger_transfer_balanced AFTER INSERT ON ledger_transfers
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- +goose Down
DROP TABLE ledger_postings;
DROP TABLE ledger_transfers;
DROP TABLE ledger_balances;
DROP TABLE ledger_accounts;
DROP FUNCTION ledger_check_balanced();
DROP FUNCTION ledger_immutable();
