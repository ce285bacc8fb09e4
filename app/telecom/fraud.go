package telecom

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"lineescrow/models"
)

// links finds what ties the order's seller to the paying line (the
// proposal's third risk: cashing out, 套现, on one's own or a friend's line):
//
//   - the seller's own number is the line (sellers sign in with their
//     number, often a landline);
//   - the holder of the seller's own line, as verified when someone bound
//     it, has the same ID digits as this line's holder;
//   - the holder's name is the seller's (display name, legal name or payout
//     account holder);
//   - the buyer has withdrawn to the seller's payout account;
//   - the order goes to the seller's own (return) address.
//
// The first two refuse the charge; the others flag it.
func (s *Service) links(ctx context.Context, db *gorm.DB, o *models.Order, l *models.Landline) ([]models.Link, error) {
	var seller struct {
		Login, DisplayName, LegalName, BankAccount, BankHolder, Address string
	}
	if err := db.WithContext(ctx).Raw(`SELECT u.login, u.display_name, s.legal_name, s.bank_account, s.bank_holder, s.address
		FROM users u JOIN sellers s ON s.user_id = u.id WHERE u.id = ?`, o.SellerID).Scan(&seller).Error; err != nil {
		return nil, fmt.Errorf("seller %d for links: %w", o.SellerID, err)
	}
	var out []models.Link
	if seller.Login == l.Phone {
		out = append(out, models.Link{Kind: models.LinkSameLine, Detail: models.MaskLandline(l.Phone)})
	}
	if l.IDMac != "" {
		var n int64
		if err := db.WithContext(ctx).Model(&models.Landline{}).Where("phone = ? AND id_mac = ? AND id <> ?", seller.Login, l.IDMac, l.ID).
			Count(&n).Error; err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, models.Link{Kind: models.LinkSameID, Detail: "the holder of " + models.MaskLandline(seller.Login)})
		}
	}
	for _, name := range []string{seller.DisplayName, seller.LegalName, seller.BankHolder} {
		if models.SameName(name, l.HolderName) {
			out = append(out, models.Link{Kind: models.LinkSameHolder, Detail: name})
			break
		}
	}
	var paid int64
	if err := db.WithContext(ctx).Table("payouts").Where("user_id = ? AND beneficiary_account = ?", o.BuyerID, seller.BankAccount).
		Count(&paid).Error; err != nil {
		return nil, err
	}
	if paid > 0 {
		out = append(out, models.Link{Kind: models.LinkSameAccount, Detail: "…" + last(seller.BankAccount, 4)})
	}
	if models.SameAddress(o.ConsigneeAddress, seller.Address) {
		out = append(out, models.Link{Kind: models.LinkSameAddress, Detail: o.ConsigneeAddress})
	}
	return out, nil
}

func last(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
