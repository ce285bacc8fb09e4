package views

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/models"
)

func orderDoc(t *testing.T, vm OrderVM) *goquery.Document {
	t.Helper()
	return docOf(t, &Info{Lang: English, Path: vm.Base, CSRF: "token"}, OrderPage(vm))
}

// TestOrderPageShowsWhatTheViewerMayDo: each form of the order page appears
// exactly when the person may take its action, whatever the page's role.
func TestOrderPageShowsWhatTheViewerMayDo(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	base := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "Peony tea", Quantity: 1, UnitPrice: models.MustParseMoney("259.00"),
		Amount: models.MustParseMoney("259.00"), PayReference: "912345678", CreatedAt: at, Refund: models.RefundNone}
	in := func(state models.OrderState, refund models.RefundState) models.Order {
		o := base
		o.State, o.Refund = state, refund
		if state == models.Paid || state == models.Shipped {
			o.Held = o.Amount
			o.PaidAt = &at
		}
		if state == models.Shipped {
			o.ShippedAt, o.Carrier, o.TrackingNo = &at, "SF Express", "SF1234567890"
			o.TimerKind, o.TimerAt = models.TimerAutoConfirm, &at
		}
		if refund == models.RefundRequested {
			o.RefundAmount, o.RefundReason = models.MustParseMoney("100.00"), "broken"
		}
		return o
	}
	// Confirming and deciding start with a step that says what will happen
	// (confirm-start, decide-preview-form); their forms come on the next.
	forms := []string{"wallet-pay-form", "cancel", "ship-form", "confirm-start", "extend", "refund-form", "accept-form", "refuse-form",
		"escalate", "decide-preview-form"}
	cases := []struct {
		name  string
		role  string
		order models.Order
		who   models.Actor
		shown []string
	}{
		{"buyer, unpaid", RoleBuyer, in(models.AwaitingPayment, models.RefundNone), models.Actor{UserID: 10, Role: models.RoleBuyer},
			[]string{"wallet-pay-form", "cancel", "pay-instructions"}},
		{"seller, unpaid", RoleSeller, in(models.AwaitingPayment, models.RefundNone), models.Actor{UserID: 20, Role: models.RoleSeller}, nil},
		{"seller, paid", RoleSeller, in(models.Paid, models.RefundNone), models.Actor{UserID: 20, Role: models.RoleSeller}, []string{"ship-form"}},
		{"buyer, paid", RoleBuyer, in(models.Paid, models.RefundNone), models.Actor{UserID: 10, Role: models.RoleBuyer}, []string{"refund-form", "refund-request"}},
		{"buyer, shipped", RoleBuyer, in(models.Shipped, models.RefundNone), models.Actor{UserID: 10, Role: models.RoleBuyer},
			[]string{"confirm-start", "extend", "refund-form", "refund-request", "tracking"}},
		{"seller, refund asked", RoleSeller, in(models.Shipped, models.RefundRequested), models.Actor{UserID: 20, Role: models.RoleSeller},
			[]string{"accept-form", "refuse-form", "refund-answer", "tracking"}},
		{"buyer, refused", RoleBuyer, in(models.Shipped, models.RefundRefused), models.Actor{UserID: 10, Role: models.RoleBuyer},
			[]string{"confirm-start", "extend", "escalate", "tracking"}},
		{"operator, disputed", RoleOperator, in(models.Paid, models.RefundDisputed), models.Actor{UserID: 30, Role: models.RoleOperator},
			[]string{"decide-preview-form"}},
		{"buyer, completed", RoleBuyer, in(models.Completed, models.RefundNone), models.Actor{UserID: 10, Role: models.RoleBuyer}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vm := OrderVM{Order: c.order, Role: c.role, Base: "/orders/7", Allowed: models.Allowed(c.order, c.who), Form: NewForm(),
				HasPayPassword: true, Wallet: models.MustParseMoney("500.00")}
			doc := orderDoc(t, vm)
			want := map[string]bool{}
			for _, s := range c.shown {
				want[s] = true
			}
			for _, id := range append(forms, "pay-instructions", "tracking", "refund-request", "refund-answer") {
				n := doc.Find(`[data-testid="` + id + `"]`).Length()
				if want[id] != (n > 0) {
					t.Errorf("%s: %d elements, want shown %v", id, n, want[id])
				}
			}
			if got, _ := doc.Find(`[data-testid="order-state"]`).Attr("data-state"); got != string(c.order.State) {
				t.Errorf("order-state says %q", got)
			}
		})
	}
}

// The folded refund form opens when the page shows its submission again (an
// error beside a field, or the reason typed), and stays folded otherwise,
// even though its amount starts filled in.
func TestRefundFormOpensOnItsErrors(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "Peony tea", Quantity: 1, UnitPrice: models.MustParseMoney("259.00"),
		Amount: models.MustParseMoney("259.00"), Held: models.MustParseMoney("259.00"), PayReference: "912345678", CreatedAt: at,
		PaidAt: &at, State: models.Paid, Refund: models.RefundNone}
	open := func(f *Form) bool {
		vm := OrderVM{Order: o, Role: RoleBuyer, Base: "/orders/7", Allowed: models.Allowed(o, models.Actor{UserID: 10, Role: models.RoleBuyer}), Form: f}
		_, ok := orderDoc(t, vm).Find(`[data-testid="refund-request"]`).Attr("open")
		return ok
	}
	fresh := NewForm()
	fresh.Values["amount"] = "259.00"
	if open(fresh) {
		t.Error("the refund form is open on a fresh page")
	}
	for name, f := range map[string]*Form{
		"amount error": {Values: map[string]string{"amount": "300"}, Errors: map[string]string{"amount": "Too much."}},
		"reason error": {Values: map[string]string{"amount": "10"}, Errors: map[string]string{"reason": "Say why."}},
		"reason typed": {Values: map[string]string{"amount": "10", "reason": "dented"}, Errors: map[string]string{}},
	} {
		if !open(f) {
			t.Errorf("%s: the refund form stays folded", name)
		}
	}
	wrongPin := &Form{Values: map[string]string{"amount": "259.00"}, Errors: map[string]string{"pay_password": "Wrong payment password."}}
	if open(wrongPin) {
		t.Error("another form's error opens the refund form")
	}
}

// A finished order's label says when money went back to the buyer: a split
// (part refunded, the rest released) is not a plain "Completed".
func TestStateLabelSaysARefundHappened(t *testing.T) {
	m := models.MustParseMoney
	cases := []struct {
		state              models.OrderState
		refunded, released string
		want               string
	}{
		{models.Completed, "0.00", "259.00", "Completed"},
		{models.Completed, "59.00", "200.00", "Completed · partly refunded"},
		{models.Closed, "0.00", "0.00", "Closed"},
		{models.Closed, "259.00", "0.00", "Closed · refunded"},
	}
	for _, c := range cases {
		o := models.Order{State: c.state, Refund: models.RefundNone, Amount: m("259.00"), Refunded: m(c.refunded), Released: m(c.released)}
		if got := StateLabel(o); got != c.want {
			t.Errorf("%s, refunded %s: %q, want %q", c.state, c.refunded, got, c.want)
		}
	}
}

// Without a payment password, every form that needs one is replaced by a
// link to its set-up page; with too small a balance, the wallet form gives
// way to the shortfall and a top-up link. Forms that need no password stay.
func TestPayPasswordFormsNeedOne(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := models.Order{ID: 7, BuyerID: 10, SellerID: 20, Title: "Peony tea", Quantity: 1, UnitPrice: models.MustParseMoney("259.00"),
		Amount: models.MustParseMoney("259.00"), PayReference: "912345678", CreatedAt: at, State: models.AwaitingPayment, Refund: models.RefundNone}
	buyer := models.Actor{UserID: 10, Role: models.RoleBuyer}
	count := func(vm OrderVM, id string) int { return orderDoc(t, vm).Find(`[data-testid="` + id + `"]`).Length() }

	unpaid := OrderVM{Order: o, Role: RoleBuyer, Base: "/orders/7", Allowed: models.Allowed(o, buyer), Form: NewForm(), Wallet: models.MustParseMoney("500.00")}
	if count(unpaid, "wallet-pay-form") != 0 || count(unpaid, "set-pay-password") != 1 {
		t.Error("an unpaid order without a payment password offers the wallet form, or no set-up link")
	}
	if count(unpaid, "pay-instructions") == 0 {
		t.Error("the bank transfer needs no payment password, yet its instructions are gone")
	}
	short := unpaid
	short.HasPayPassword, short.Wallet = true, models.MustParseMoney("59.00")
	if count(short, "wallet-pay-form") != 0 || count(short, "topup-link") != 1 {
		t.Error("a balance of 59.00 for a 259.00 order still offers the wallet form, or no top-up link")
	}
	if got := orderDoc(t, short).Find(`[data-testid="shortfall"]`).Text(); !strings.Contains(got, "200.00") {
		t.Errorf("the shortfall reads %q, want 200.00", got)
	}

	shipped := o
	shipped.State, shipped.Held, shipped.PaidAt, shipped.ShippedAt = models.Shipped, o.Amount, &at, &at
	vm := OrderVM{Order: shipped, Role: RoleBuyer, Base: "/orders/7", Allowed: models.Allowed(shipped, buyer), Form: NewForm(), Ask: AskConfirm}
	if count(vm, "confirm-ask") != 1 {
		t.Error("the second step of confirming does not say what will happen")
	}
	if count(vm, "confirm-form") != 0 || count(vm, "set-pay-password") == 0 {
		t.Error("a shipped order without a payment password offers the confirm form, or no set-up link")
	}
	vm.HasPayPassword = true
	if count(vm, "confirm-form") != 1 {
		t.Error("with a payment password, the second step has no confirm form")
	}
}

// A withdrawal needs the payment password too: without one, the form gives
// way to the set-up link, which comes back to the withdrawal.
func TestWithdrawFormNeedsAPayPassword(t *testing.T) {
	doc := func(vm WithdrawVM) *goquery.Document {
		return docOf(t, &Info{Lang: English, Path: "/wallet", CSRF: "token"}, WithdrawForm(vm))
	}
	vm := WithdrawVM{Action: "/wallet/withdraw", Withdrawable: models.MustParseMoney("80.00"), Minimum: models.MustParseMoney("10.00"),
		AskAccount: true, Holder: "Li Lei", Form: NewForm(), NoPayPassword: true, Back: "/wallet"}
	d := doc(vm)
	if d.Find(`[data-testid="withdraw-form"]`).Length() != 0 {
		t.Error("the withdraw form is offered without a payment password")
	}
	href, _ := d.Find(`[data-testid="set-pay-password"]`).Attr("href")
	if href != "/account/pay-password?next=%2Fwallet%23withdraw" {
		t.Errorf("the set-up link %q does not come back to the wallet", href)
	}
	vm.NoPayPassword = false
	if doc(vm).Find(`[data-testid="withdraw-form"]`).Length() != 1 {
		t.Error("with a payment password, no withdraw form")
	}
}
