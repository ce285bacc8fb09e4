-- Shipping: an order records the code of the carrier it was shipped with
-- (models.Carriers, 'other' for a carrier typed by the seller, '' for orders
-- shipped before the list); carrier keeps the carrier's name.
--
-- Buyers keep an address book (app/addresses): recipient, mobile number,
-- province, city and district (codes of models/divisions and their names
-- at the time) and the street. At most one default address per buyer (the
-- partial unique index; the service changes it under a lock of the buyer's
-- row). An order keeps its own copy of the address (consignee_*), so editing
-- or deleting an address never changes an order.

-- +goose Up
ALTER TABLE orders
    ADD COLUMN carrier_code TEXT NOT NULL DEFAULT '' CHECK (carrier_code ~ '^([A-Z]{2,10}|other)?$');

CREATE TABLE addresses (
    id            BIGSERIAL PRIMARY KEY,
    buyer_id      BIGINT NOT NULL REFERENCES users (id),
    recipient     TEXT NOT NULL CHECK (length(recipient) BETWEEN 1 AND 25),
    phone         TEXT NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    province_code TEXT NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
    province      TEXT NOT NULL,
    city_code     TEXT NOT NULL CHECK (city_code ~ '^[0-9]{4}$' AND left(city_code, 2) = province_code),
    city          TEXT NOT NULL,
    district_code TEXT NOT NULL CHECK (district_code ~ '^[0-9]{6}([0-9]{3})?$' AND left(district_code, 4) = city_code),
    district      TEXT NOT NULL,
    detail        TEXT NOT NULL CHECK (length(detail) BETWEEN 1 AND 120),
    is_default    BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX addresses_buyer ON addresses (buyer_id, id);
CREATE UNIQUE INDEX addresses_one_default ON addresses (buyer_id) WHERE is_default;

-- +goose Down
DROP TABLE addresses;
ALTER TABLE orders DROP COLUMN carrier_code;
