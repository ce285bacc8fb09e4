-- Digests for the tamper-evident journal (app/ledger/digest.go): when the
-- ledger posts a transfer it also writes, in the same statement as the
-- postings, an HMAC-SHA256 over the transfer's content (id, key, kind,
-- reference, memo, fingerprint, times, and every posting's account code,
-- direction and amount), computed in Go from the values it inserts and keyed
-- with a secret that is not in the database. `ledger verify` recomputes every
-- digest: a transfer altered (sealed or not yet), or written by anyone
-- without the key, no longer matches.
--
-- Transfers from before this migration have no digest (the chain of
-- 00010 still covers them): ledger_digests_from records the first transfer
-- id that must have one.

-- +goose Up
CREATE TABLE ledger_digests (
    transfer_id BIGINT PRIMARY KEY REFERENCES ledger_transfers (id),
    digest      BYTEA NOT NULL CHECK (length(digest) = 32)
);
CREATE TRIGGER ledger_digests_immutable BEFORE UPDATE OR DELETE ON ledger_digests
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_digests_no_truncate BEFORE TRUNCATE ON ledger_digests
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

CREATE TABLE ledger_digests_from (
    one         BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    transfer_id BIGINT NOT NULL
);
INSERT INTO ledger_digests_from (transfer_id) SELECT coalesce(max(id), 0) + 1 FROM ledger_transfers;
CREATE TRIGGER ledger_digests_from_immutable BEFORE UPDATE OR DELETE ON ledger_digests_from
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

-- +goose Down
DROP TABLE ledger_digests_from;
DROP TABLE ledger_digests;
