-- Listings get a category, a shipping fee and up to six photos; an order
-- records the shipping it charged, and its amount is goods plus shipping.
--
-- Photos are stored re-encoded (app/photos): a square thumbnail and a large
-- view, both JPEG, named by the large view's SHA-256 so their URLs can be
-- cached for good. Position orders a listing's photos (the first is the
-- cover); the service keeps them 0, 1, 2… and at most six under a lock of
-- the listing's row.

-- +goose Up
ALTER TABLE listings
    ADD COLUMN category     TEXT NOT NULL DEFAULT 'other' CHECK (length(category) BETWEEN 1 AND 30),
    ADD COLUMN shipping_fee NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (shipping_fee >= 0);
CREATE INDEX listings_category ON listings (category, id DESC) WHERE status = 'active';

ALTER TABLE orders
    ADD COLUMN shipping NUMERIC(18, 2) NOT NULL DEFAULT 0 CHECK (shipping >= 0),
    ADD CONSTRAINT orders_amount_is_goods_and_shipping CHECK (amount = unit_price * quantity + shipping);

CREATE TABLE listing_photos (
    id         BIGSERIAL PRIMARY KEY,
    listing_id BIGINT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    position   INT NOT NULL CHECK (position BETWEEN 0 AND 5),
    hash       TEXT NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    width      INT NOT NULL CHECK (width > 0),
    height     INT NOT NULL CHECK (height > 0),
    thumb      BYTEA NOT NULL,
    large      BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT listing_photos_once UNIQUE (listing_id, hash)
);
CREATE INDEX listing_photos_listing ON listing_photos (listing_id, position);
CREATE INDEX listing_photos_hash ON listing_photos (hash);

-- +goose Down
DROP TABLE listing_photos;
ALTER TABLE orders DROP CONSTRAINT orders_amount_is_goods_and_shipping, DROP COLUMN shipping;
DROP INDEX listings_category;
ALTER TABLE listings DROP COLUMN shipping_fee, DROP COLUMN category;
