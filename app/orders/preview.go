package orders

import (
	"context"
	"fmt"

	"lineescrow/models"
)

// Outcome is what an operator's decision on a dispute would book: what the
// buyer gets back, what the seller gets (after the commission) and the
// commission.
type Outcome struct {
	Decision   models.Decision `json:"decision"`
	BuyerGets  models.Money    `json:"buyer_gets" doc:"refunded to the buyer, the way the money came"`
	SellerGets models.Money    `json:"seller_gets" doc:"released to the seller, after the commission"`
	Fee        models.Money    `json:"fee" doc:"the platform's commission on what is released"`
}

// PreviewDecision says what deciding the dispute on order id with decision
// (and, for a split, the buyer's part) would book, by the very rules taking
// it applies (models.Apply with the seller's commission rate), changing
// nothing. The decision's reason is asked for only when it is taken.
//
// Errors: ENOTFOUND for an order the actor cannot see; EFORBIDDEN unless
// the actor is an operator; ECONFLICT when the order is not in dispute;
// EINVALID about decision or buyer_amount.
func (s *Service) PreviewDecision(ctx context.Context, actor models.Actor, id int64, decision models.Decision, buyerAmount models.Money) (*Outcome, error) {
	o, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	cmd := models.Command{Action: models.ActDecide, Actor: actor, Now: s.now(), Decision: decision, Amount: buyerAmount,
		Reason: "preview"}
	if cmd.CommissionRate, err = s.Rates.RateOf(ctx, s.DB.WithContext(ctx), o.SellerID); err != nil {
		return nil, fmt.Errorf("preview decision on order %d: %w", id, err)
	}
	st, err := models.Apply(*o, cmd)
	if err != nil {
		return nil, err
	}
	n := st.Order
	fee := n.Fee.Sub(o.Fee)
	return &Outcome{Decision: decision, BuyerGets: n.Refunded.Sub(o.Refunded), SellerGets: n.Released.Sub(o.Released).Sub(fee), Fee: fee}, nil
}
