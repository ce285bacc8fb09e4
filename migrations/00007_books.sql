-- The operators' books: the indexes that keep their pages and live checks
-- bounded, whatever the number of accounts, payouts and bank events.
-- (The totals by account kind live in ledger_totals beside the classes, as
-- "kind:asset" … rows: no table of their own.)

-- +goose Up
-- No constrained account negative, checked live: the CHECK on the table
-- refuses it, so this index is empty and reading it costs nothing; it finds a
-- balance written behind the ledger's back (with the CHECK dropped) at once.
CREATE INDEX ledger_balances_negative ON ledger_balances (account_id) WHERE constrained AND balance < 0;

-- The operators' payouts queue: the settled ones, latest first.
CREATE INDEX payouts_settled ON payouts (settled_at DESC) WHERE state IN ('succeeded', 'failed');

-- The bank's events of one transaction (a credit, its reversals, a payout's
-- result), for the ledger explorer's links.
CREATE INDEX bank_events_txn ON bank_events ((payload #>> '{data,bank_txn_id}'));

-- +goose Down
DROP INDEX bank_events_txn;
DROP INDEX payouts_settled;
DROP INDEX ledger_balances_negative;
