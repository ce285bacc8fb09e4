-- The tamper-evident journal (app/ledger/chain.go): every ledger transfer is
-- sealed into a hash chain, in the order of the seals. A seal's hash covers
-- the previous seal's hash and the transfer's whole content (its row and its
-- postings with their accounts' codes), so a transfer altered, removed or
-- slipped in behind the ledger's back breaks the chain from that point on,
-- and a rewritten chain no longer ends in the head operators exported.
--
-- Posting a transfer costs one small insert into ledger_unsealed (a trigger,
-- no shared row); the sealer (a periodic job, one at a time under an advisory
-- lock) takes the committed transfers from there in id order and appends
-- their seals, so the transfers' own hot path never waits for the chain.

-- +goose Up
CREATE TABLE ledger_chain (
    seq         BIGINT PRIMARY KEY CHECK (seq > 0),
    transfer_id BIGINT NOT NULL UNIQUE REFERENCES ledger_transfers (id),
    prev_hash   BYTEA NOT NULL,
    hash        BYTEA NOT NULL,
    sealed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER ledger_chain_immutable BEFORE UPDATE OR DELETE ON ledger_chain
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_chain_no_truncate BEFORE TRUNCATE ON ledger_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

-- The transfers waiting for their seal.
CREATE TABLE ledger_unsealed (
    transfer_id BIGINT PRIMARY KEY REFERENCES ledger_transfers (id)
);

-- +goose StatementBegin
CREATE FUNCTION ledger_queue_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_unsealed (transfer_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_transfers_queue_seal AFTER INSERT ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_queue_seal();

INSERT INTO ledger_unsealed (transfer_id) SELECT id FROM ledger_transfers;

-- +goose Down
DROP TRIGGER ledger_transfers_queue_seal ON ledger_transfers;
DROP FUNCTION ledger_queue_seal();
DROP TABLE ledger_unsealed;
DROP TABLE ledger_chain;
