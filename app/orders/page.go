package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"lineescrow/app/ledger"
	"lineescrow/models"
)

// OrderPage is everything an order's page (and the API's order) shows, as
// the actor may see it.
type OrderPage struct {
	Order models.Order
	// Events and Moves are the timeline and the money trail exactly as
	// Timeline returns them: each role sees only its own side.
	Events []TimelineEntry
	Moves  []models.Movement
	// Credits are the bank transfers matched to the order.
	Credits []CreditLine
	// Flags are the order's risk cases; never shown to buyers (nil for them).
	Flags []CaseLine
	// Wallet is the buyer's balance while the order awaits payment (for the
	// buyer only: it may pay the order, or make a short transfer up).
	Wallet models.Money
	// Missing is what a transfer must still bring for the order to be paid:
	// the amount less the earlier short transfers for this order still on
	// the balance (only they count; the rest of the balance is spent only
	// with the payment password). Set with Wallet.
	Missing models.Money
	// ShopName and BuyerName are the two parties' names ("" when the person
	// is gone).
	ShopName, BuyerName string
	// Allowed are the actions the actor may take now (models.Allowed).
	Allowed map[models.Action]bool
	// Charge is the order's fixed-line charge, when it was paid (or is being
	// paid) by one.
	Charge *ChargeLine
	// ExtendBy is how much later a buyer's one extension makes the
	// automatic confirmation (the operators' setting).
	ExtendBy time.Duration
	// Photo is the thumbnail of the listing's cover ("" without a listing
	// or a photo).
	Photo string
	// Now is when the page was read (its deadline's countdown counts from it).
	Now time.Time
	// Buyer is where the buyer's money is, in lines (models.BuyerMoney), for
	// the buyer and operators (nil for the seller).
	Buyer []models.MoneyLine
	// Proceeds are the seller's gross, commission and net and where the net
	// is (models.SellerProceeds), for the seller and operators (nil for the
	// buyer, who never sees the commission).
	Proceeds *models.Proceeds
}

// CreditLine is a bank transfer matched to an order.
type CreditLine struct {
	BankTxnID string
	Amount    models.Money
	Reference string
	Outcome   string // where its money went (funding.Outcome)
	At        time.Time
	Reversed  bool // the bank recalled it
	// TowardsOrder is what of a short transfer waits on the buyer's balance
	// to count towards the order when the rest arrives (funding's rule).
	TowardsOrder models.Money
}

// CaseLine is a risk case about an order.
type CaseLine struct {
	ID   int64
	Kind string
	Open bool
	At   time.Time
}

// BankCredits lists the bank transfers matched to an order (funding). The
// order page asks only after it checked that the actor may see the order.
type BankCredits interface {
	CreditsOfOrder(ctx context.Context, orderID int64) ([]CreditLine, error)
}

// Cases lists an order's risk cases as the actor may see them (risk).
// Errors: EFORBIDDEN for an actor who may not see cases.
type Cases interface {
	OfOrder(ctx context.Context, actor models.Actor, orderID int64) ([]CaseLine, error)
}

// Names reads people's names (auth). Errors: ENOTFOUND for no such person.
type Names interface {
	ShopName(ctx context.Context, sellerID int64) (string, error)
	DisplayName(ctx context.Context, userID int64) (string, error)
}

// OrderPage returns an order's page for the actor: the order, its timeline
// and money trail (the actor's side only), its bank credits, its risk cases
// (not for buyers), the buyer's balance while it awaits payment, the two
// parties' names and what the actor may do now.
//
// Errors: ENOTFOUND for an order the actor cannot see.
func (s *Service) OrderPage(ctx context.Context, actor models.Actor, id int64) (*OrderPage, error) {
	o, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	p := &OrderPage{Order: *o, Allowed: models.Allowed(*o, actor), Now: s.now()}
	if p.Allowed[models.ActExtendConfirm] {
		vals, err := s.Settings.Get(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
		p.ExtendBy = vals.Timers.ConfirmExtend
	}
	if p.Events, p.Moves, err = s.timeline(ctx, actor, o); err != nil {
		return nil, err
	}
	if p.Credits, err = s.Credits.CreditsOfOrder(ctx, id); err != nil {
		return nil, fmt.Errorf("order page %d: %w", id, err)
	}
	if !actor.IsBuyer() {
		if p.Flags, err = s.Cases.OfOrder(ctx, actor, id); err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
	}
	if actor.IsBuyer() && o.State == models.AwaitingPayment {
		if p.Wallet, err = ledger.Balance(ctx, s.DB, models.WalletAccount(o.BuyerID)); err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
		earlier := models.Zero
		for _, c := range p.Credits {
			earlier = earlier.Add(c.TowardsOrder)
		}
		p.Missing = o.Amount.Sub(earlier.Min(p.Wallet))
	}
	if s.FixedLine != nil {
		if p.Charge, err = s.FixedLine.OfOrder(ctx, actor, id); err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
	}
	if o.ListingID != 0 {
		ps, err := s.photos(ctx, s.DB, o.ListingID)
		if err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
		if len(ps) > 0 {
			p.Photo = ps[0].ThumbURL
		}
	}
	if !actor.IsSeller() {
		p.Buyer = models.BuyerMoney(*o)
	}
	if !actor.IsBuyer() {
		if p.Proceeds, err = s.proceeds(ctx, o, p.Events, p.Charge); err != nil {
			return nil, fmt.Errorf("order page %d: %w", id, err)
		}
	}
	if p.ShopName, err = s.Names.ShopName(ctx, o.SellerID); err != nil && models.ErrorCode(err) != models.ENOTFOUND {
		return nil, fmt.Errorf("order page %d: %w", id, err)
	}
	if p.BuyerName, err = s.Names.DisplayName(ctx, o.BuyerID); err != nil && models.ErrorCode(err) != models.ENOTFOUND {
		return nil, fmt.Errorf("order page %d: %w", id, err)
	}
	return p, nil
}

// proceeds are the seller's figures of o: the commission rate its release
// recorded (the seller's rate today while the money is held, or for a
// release recorded before rates were kept), and for an order paid by phone
// bill whether the net is available yet (the phone company is done with the
// charge, or the platform advanced it).
func (s *Service) proceeds(ctx context.Context, o *models.Order, events []TimelineEntry, charge *ChargeLine) (*models.Proceeds, error) {
	var in models.ProceedsInput
	advanced := models.Zero
	for _, e := range events {
		var d struct {
			Rate   *string `json:"commission_rate"`
			Amount *string `json:"amount"`
		}
		if json.Unmarshal(e.Detail, &d) != nil {
			continue
		}
		if d.Rate != nil {
			if r, err := models.ParseRatePercent("rate", *d.Rate); err == nil {
				in.Rate, in.Applied = r, true
			}
		}
		if e.Kind == "charge.advanced" && d.Amount != nil {
			if m, err := models.ParseMoney(*d.Amount); err == nil {
				advanced = advanced.Add(m)
			}
		}
	}
	if !in.Applied {
		r, err := s.Rates.RateOf(ctx, s.DB, o.SellerID)
		if err != nil {
			return nil, err
		}
		in.Rate = r
	}
	net := o.Released.Sub(o.Fee)
	in.Collected = (charge != nil && charge.State.Ended()) || (net.IsPositive() && !advanced.LessThan(net))
	p := models.SellerProceeds(*o, in)
	return &p, nil
}
