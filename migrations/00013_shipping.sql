-- Shipping: an order records the code of the carrier it was shipped with
-- (models.Carriers, 'other' for a carrier typed by the seller, '' for orders
-- shipped before the list); carrier keeps the carrier's name.

-- +goose Up
ALTER TABLE orders
    ADD COLUMN carrier_code TEXT NOT NULL DEFAULT '' CHECK (carrier_code ~ '^([A-Z]{2,10}|other)?$');

-- +goose Down
ALTER TABLE orders DROP COLUMN carrier_code;
