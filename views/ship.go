package views

import (
	"context"

	"lineescrow/models"
)

// CarrierOptions are the ship form's carriers: a prompt, the listed
// carriers in their display order, then another carrier (named in the
// carrier_name field).
func CarrierOptions() [][2]string {
	out := [][2]string{{"", "Choose the carrier"}}
	for _, c := range models.Carriers {
		out = append(out, [2]string{c.Code, c.NameEn})
	}
	return append(out, [2]string{models.CarrierOther, "Another carrier"})
}

// CarrierName is the name of the carrier an order was shipped with, in the
// reader's language for a listed carrier; as the seller typed it otherwise.
func CarrierName(ctx context.Context, o models.Order) string {
	if c, ok := o.OrderCarrier(); ok {
		return T(ctx, c.NameEn)
	}
	return o.Carrier
}
