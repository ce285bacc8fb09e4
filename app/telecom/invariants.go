package telecom

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"lineescrow/models"
)

// ErrInvariants is wrapped by CheckInvariants' error when the money is in
// the wrong place, as opposed to when the check could not run.
var ErrInvariants = errors.New("telecom invariants violated")

// CheckInvariants verifies where the money of fixed-line charging is, not
// only that it balances:
//
//   - each seller's pending money is exactly the proceeds of their charges
//     not collected yet, less what was advanced;
//   - telecom:receivable is what the subscribers owe for the charges
//     (amount − refunds + late fees of those accepted, billed, overdue or
//     collected; nothing for cancelled or written-off ones) less what the
//     operator settled (the money received and the commission it kept);
//   - telecom:cards is the face value of the cards redeemed.
func CheckInvariants(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	var bad []string
	var sellers []struct {
		SellerID int64
		Want     models.Money
		Got      models.Money
	}
	if err := db.Raw(`WITH want AS (
			SELECT seller_id, sum(to_pending - advanced) AS want FROM telecom_charges WHERE NOT proceeds_released GROUP BY seller_id),
		got AS (
			SELECT split_part(a.code, ':', 2)::bigint AS seller_id, b.balance AS got FROM ledger_accounts a
			JOIN ledger_balances b ON b.account_id = a.id WHERE a.code LIKE 'seller:%:pending')
		SELECT coalesce(w.seller_id, g.seller_id) AS seller_id, coalesce(w.want, 0) AS want, coalesce(g.got, 0) AS got
		FROM want w FULL JOIN got g ON g.seller_id = w.seller_id WHERE coalesce(w.want, 0) <> coalesce(g.got, 0) LIMIT 10`).
		Scan(&sellers).Error; err != nil {
		return fmt.Errorf("check pending money: %w", err)
	}
	for _, s := range sellers {
		bad = append(bad, fmt.Sprintf("seller %d has %s pending, the charges say %s", s.SellerID, s.Got, s.Want))
	}
	var r struct{ Want, Got, Cards, CardsGot models.Money }
	if err := db.Raw(`SELECT
		(SELECT coalesce(sum(amount - credited + late_fee), 0) FROM telecom_charges WHERE state IN ('accepted', 'billed', 'overdue', 'collected'))
		- (SELECT coalesce(sum(received + coalesce(commission, 0)), 0) FROM telecom_settlements) AS want,
		(SELECT coalesce(sum(b.balance), 0) FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.code = ?) AS got,
		(SELECT coalesce(sum(face_value), 0) FROM card_redemptions WHERE state = 'redeemed') AS cards,
		(SELECT coalesce(sum(b.balance), 0) FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.code = ?) AS cards_got`,
		models.AccTelecomReceivable, models.AccTelecomCards).Scan(&r).Error; err != nil {
		return fmt.Errorf("check receivable: %w", err)
	}
	if !r.Want.Equal(r.Got) {
		bad = append(bad, fmt.Sprintf("telecom:receivable is %s, the charges and settlements say %s", r.Got, r.Want))
	}
	if !r.Cards.Equal(r.CardsGot) {
		bad = append(bad, fmt.Sprintf("telecom:cards is %s, the redeemed cards are worth %s", r.CardsGot, r.Cards))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvariants, strings.Join(bad, "; "))
	}
	return nil
}
