// Package seed adds the demo data: a buyer, two sellers and an operator with
// known passwords, and (once trades exist) listings. Running it again adds
// nothing twice: every record is looked up by a natural key first.
//
// The demo passwords are public, so the demo accounts go only into a demo
// database: Demo refuses, before writing anything, a database that holds
// users other than the demo ones (see CheckDatabase). Only demo mode calls it.
package seed

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"lineescrow/app/auth"
	"lineescrow/app/gateway"
	"lineescrow/app/orders"
	"lineescrow/app/store"
	"lineescrow/models"
)

// Login is a demo account to print for the person running the demo.
type Login struct {
	Role     models.Role
	Login    string
	Password string
	Name     string
}

// Demo accounts. Their passwords are public: demo mode only.
var demoUsers = []struct {
	models.Registration
	PayPassword string
}{
	{models.Registration{Role: models.RoleBuyer, Login: "13800138000", Password: "buyer-demo-pass", DisplayName: "张伟"}, "284913"},
	{models.Registration{Role: models.RoleBuyer, Login: "13900139000", Password: "buyer2-demo-pass", DisplayName: "Li Na"}, "902746"},
	{models.Registration{Role: models.RoleSeller, Login: "05305551234", Password: "seller-demo-pass", DisplayName: "王建国",
		ShopName: "菏泽牡丹特产店", LegalName: "菏泽某商贸有限公司", BankAccount: "6217000011112222", BankHolder: "菏泽某商贸有限公司"}, "135790"},
	{models.Registration{Role: models.RoleSeller, Login: "13700137000", Password: "seller2-demo-pass", DisplayName: "Chen Jie",
		ShopName: "Heze Tea House", LegalName: "Chen Jie", BankAccount: "6222020200445566", BankHolder: "Chen Jie"}, "246802"},
}

const (
	demoOperatorLogin = "13600136000"
	demoOperatorPass  = "operator-demo-pass"
)

// demoListings are put on sale for each demo seller that has none.
var demoListings = map[string][]models.ListingInput{
	"05305551234": {
		{Title: "菏泽牡丹花茶 250g", Description: "曹州牡丹园当季花茶，礼盒装。", Price: "129.50", Stock: "40"},
		{Title: "牡丹籽油 500ml", Description: "冷榨牡丹籽油，富含α-亚麻酸。", Price: "259.00", Stock: "25"},
		{Title: "鲁西南老粗布床单", Description: "纯棉手工织造，1.8m 床适用。", Price: "188.00", Stock: "12"},
	},
	"13700137000": {
		{Title: "Heze peony tea sampler", Description: "Six small tins of peony and green tea.", Price: "68.00", Stock: "60"},
		{Title: "Shandong black tea 200g", Description: "Rizhao black tea, spring harvest.", Price: "96.80", Stock: "30"},
	},
}

// ErrNotDemoDatabase is returned (wrapped) for a database that is not a demo one.
var ErrNotDemoDatabase = errors.New("not a demo database")

// CheckDatabase says whether the demo accounts may be added to db: it is empty
// (or not migrated yet), or all its users are demo accounts with their demo
// passwords, or it was seeded before (its demo operator has the public demo
// password, so people who registered on the demo since do not make it a real
// database). Anything else is a real database, and giving it an operator with a
// public password would hand it to anyone.
//
// It only reads. Errors: ErrNotDemoDatabase (wrapped, with what was found).
func CheckDatabase(ctx context.Context, db *store.DB) error {
	var exists bool
	if err := db.WithContext(ctx).Raw("SELECT to_regclass('users') IS NOT NULL").Scan(&exists).Error; err != nil {
		return fmt.Errorf("check for demo database: %w", err)
	}
	if !exists {
		return nil
	}
	demo := map[string]string{demoOperatorLogin: demoOperatorPass}
	for _, d := range demoUsers {
		demo[d.Login] = d.Password
	}
	var found []models.User
	if err := db.WithContext(ctx).Where("login IN ?", keys(demo)).Find(&found).Error; err != nil {
		return fmt.Errorf("check for demo database: %w", err)
	}
	seeded, impostors := false, 0
	for _, u := range found {
		if ok, _, _ := auth.VerifyPassword(u.PasswordHash, demo[u.Login]); !ok {
			impostors++ // a demo number that belongs to someone real
		} else if u.Login == demoOperatorLogin && u.Role == models.RoleOperator {
			seeded = true
		}
	}
	var others int64
	if err := db.WithContext(ctx).Table("users").Where("login NOT IN ?", keys(demo)).Count(&others).Error; err != nil {
		return fmt.Errorf("check for demo database: %w", err)
	}
	if impostors == 0 && (others == 0 || seeded) {
		return nil
	}
	return fmt.Errorf("%w: it holds %d users who are not demo accounts; the demo accounts have public passwords "+
		"(an operator among them) and are added only to an empty or demo database", ErrNotDemoDatabase, others+int64(impostors))
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Demo adds the demo data where it is missing and returns the demo logins.
//
// Errors: those of CheckDatabase, before anything is written.
func Demo(ctx context.Context, db *store.DB, users *auth.Service, trades *orders.Service) ([]Login, error) {
	if err := CheckDatabase(ctx, db); err != nil {
		return nil, err
	}
	var out []Login
	for _, d := range demoUsers {
		u, err := ensureUser(ctx, db, users, d.Registration)
		if err != nil {
			return nil, err
		}
		if !u.HasPayPassword() {
			if err := users.SetPayPassword(ctx, u.Actor(), d.Password, "", d.PayPassword); err != nil {
				return nil, fmt.Errorf("seed pay password of %s: %w", d.Login, err)
			}
		}
		out = append(out, Login{Role: d.Role, Login: d.Login, Password: d.Password, Name: d.DisplayName})
		if d.Role == models.RoleSeller && trades != nil {
			var n int64
			if err := db.WithContext(ctx).Table("listings").Where("seller_id = ?", u.ID).Count(&n).Error; err != nil {
				return nil, err
			}
			for i := 0; n == 0 && i < len(demoListings[d.Login]); i++ {
				if _, err := trades.CreateListing(ctx, u.Actor(), demoListings[d.Login][i]); err != nil {
					return nil, fmt.Errorf("seed listing: %w", err)
				}
			}
		}
	}
	var n int64
	if err := db.Table("users").Where("login = ?", demoOperatorLogin).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		if _, err := users.CreateOperator(ctx, demoOperatorLogin, "运营小李", demoOperatorPass); err != nil {
			return nil, fmt.Errorf("seed operator: %w", err)
		}
	}
	out = append(out, Login{Role: models.RoleOperator, Login: demoOperatorLogin, Password: demoOperatorPass, Name: "运营小李"})
	return out, nil
}

func ensureUser(ctx context.Context, db *store.DB, users *auth.Service, r models.Registration) (*models.User, error) {
	var u models.User
	res := db.WithContext(ctx).Where("login = ?", r.Login).Limit(1).Find(&u)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 1 {
		return &u, nil
	}
	created, err := users.Register(ctx, r, "seed")
	if err != nil {
		return nil, fmt.Errorf("seed user %s: %w", r.Login, err)
	}
	return created, nil
}

// DemoShopSeller is the demo seller whose shop is the demo shop outside
// LineEscrow (bankbridge/shopsim), a merchant of the gateway.
const DemoShopSeller = "13700137000"

// DemoMerchant makes the demo shop's seller a merchant of the gateway (as
// the demo operator), with the shop's public key and its notify and return
// addresses under shopURL (http://host:port/sim/shop), and returns it. Run
// again, it changes nothing that is already so. Demo mode only.
func DemoMerchant(ctx context.Context, db *store.DB, gw *gateway.Service, shopPublicKey, shopURL string) (*gateway.Merchant, error) {
	var seller, operator models.User
	if err := db.WithContext(ctx).Where("login = ?", DemoShopSeller).Take(&seller).Error; err != nil {
		return nil, fmt.Errorf("demo merchant: seller: %w", err)
	}
	if err := db.WithContext(ctx).Where("login = ?", demoOperatorLogin).Take(&operator).Error; err != nil {
		return nil, fmt.Errorf("demo merchant: operator: %w", err)
	}
	if _, err := gw.Approve(ctx, operator.Actor(), seller.ID); err != nil {
		return nil, fmt.Errorf("demo merchant: %w", err)
	}
	if _, err := gw.UploadKey(ctx, seller.Actor(), shopPublicKey, 0); err != nil && models.ErrorField(err) != "public_key" {
		return nil, fmt.Errorf("demo merchant key: %w", err)
	}
	u, err := url.Parse(shopURL)
	if err != nil {
		return nil, fmt.Errorf("demo merchant: shop URL: %w", err)
	}
	m, err := gw.SetEndpoints(ctx, seller.Actor(), gateway.Endpoints{NotifyURL: strings.TrimRight(shopURL, "/") + "/notify",
		ReturnHosts: u.Host})
	if err != nil {
		return nil, fmt.Errorf("demo merchant endpoints: %w", err)
	}
	return m, nil
}
