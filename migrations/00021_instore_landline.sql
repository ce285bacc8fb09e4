-- In-store payments by fixed-line charge (app/instore, app/telecom): a
-- payment to a shop may be charged to the payer's bound landline instead of
-- the wallet. The charge is an ordinary telecom_charges row (the same credit,
-- callbacks, settlement and refunds as an order's) that pays an in-store
-- payment instead of an order.

-- +goose Up
-- How the payment was paid, and where it is:
--   charging: the charge is recorded, the phone company has not answered yet
--             (the charge's job asks again with the same charge id);
--   paid:     from the wallet, or the phone company accepted the charge;
--   refused:  the phone company refused the charge; nothing moved.
ALTER TABLE instore_payments ADD COLUMN method TEXT NOT NULL DEFAULT 'wallet' CHECK (method IN ('wallet', 'landline'));
ALTER TABLE instore_payments ADD COLUMN state TEXT NOT NULL DEFAULT 'paid' CHECK (state IN ('charging', 'paid', 'refused'));
ALTER TABLE instore_payments ADD CONSTRAINT instore_payments_wallet_paid CHECK (method = 'landline' OR state = 'paid');

-- A charge pays an order or an in-store payment, never both.
ALTER TABLE telecom_charges ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE telecom_charges ADD COLUMN instore_payment_id TEXT REFERENCES instore_payments (id);
ALTER TABLE telecom_charges ADD CONSTRAINT telecom_charges_pays_one CHECK ((order_id IS NULL) <> (instore_payment_id IS NULL));
CREATE UNIQUE INDEX telecom_charges_instore ON telecom_charges (instore_payment_id) WHERE instore_payment_id IS NOT NULL;
ALTER TABLE telecom_refunds ALTER COLUMN order_id DROP NOT NULL;

-- +goose Down
DELETE FROM telecom_refunds WHERE order_id IS NULL;
ALTER TABLE telecom_refunds ALTER COLUMN order_id SET NOT NULL;
DELETE FROM advances WHERE charge_id IN (SELECT id FROM telecom_charges WHERE order_id IS NULL);
DELETE FROM telecom_charges WHERE order_id IS NULL;
DROP INDEX telecom_charges_instore;
ALTER TABLE telecom_charges DROP CONSTRAINT telecom_charges_pays_one;
ALTER TABLE telecom_charges DROP COLUMN instore_payment_id;
ALTER TABLE telecom_charges ALTER COLUMN order_id SET NOT NULL;
ALTER TABLE instore_payments DROP CONSTRAINT instore_payments_wallet_paid;
ALTER TABLE instore_payments DROP COLUMN state;
ALTER TABLE instore_payments DROP COLUMN method;
