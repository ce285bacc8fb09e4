-- +goose Up
-- The operators' pages: orders awaiting payment by amount (the suspense
-- queue's suggestions), and the bank's events of one bank transaction (the
-- events page's "where the money went" and its filter by transaction).
CREATE INDEX orders_awaiting_amount ON orders (amount) WHERE state = 'awaiting_payment';
CREATE INDEX bank_events_txn ON bank_events ((payload #>> '{data,bank_txn_id}'), received_at);

-- +goose Down
DROP INDEX bank_events_txn;
DROP INDEX orders_awaiting_amount;
