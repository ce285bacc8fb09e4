-- The seller's sales summary (app/sellers, Sales) reads, for one seller and
-- a window of days, the orders paid in it and the orders whose money was
-- settled in it (released to the seller or refunded to the buyer: the
-- moment an order completes or closes). These two indexes keep both reads
-- to the window's orders, however many orders the seller has.

-- +goose Up
CREATE INDEX orders_seller_paid ON orders (seller_id, paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX orders_seller_settled ON orders (seller_id, (coalesce(completed_at, closed_at)))
    WHERE released > 0 OR refunded > 0;

-- +goose Down
DROP INDEX orders_seller_settled;
DROP INDEX orders_seller_paid;
