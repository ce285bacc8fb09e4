-- +goose Up
-- Orders awaiting payment by amount: the suspense queue suggests the orders
-- awaiting exactly what an unmatched transfer brought.
CREATE INDEX orders_awaiting_amount ON orders (amount) WHERE state = 'awaiting_payment';

-- +goose Down
DROP INDEX orders_awaiting_amount;
