package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"lineescrow/models"
)

// TestAuditChanges: a detail's {"from", "to"} values read before → after, a
// top-level pair is the action's one field, an action that changes a state
// by itself says so, and a field named like a secret is hidden.
func TestAuditChanges(t *testing.T) {
	got := AuditChanges("settings.update", []byte(`{"timer.ship_by": {"from": "72h", "to": "96h"}, "note": "longer"}`))
	if len(got) != 2 || got[0] != (AuditChange{Field: "note", After: "longer"}) ||
		got[1] != (AuditChange{Field: "timer.ship_by", Before: "72h", After: "96h", Changed: true}) {
		t.Fatalf("settings: %+v", got)
	}
	got = AuditChanges("seller.commission", []byte(`{"from": "0.6%", "to": "1.2%"}`))
	if len(got) != 1 || got[0] != (AuditChange{Field: "commission", Before: "0.6%", After: "1.2%", Changed: true}) {
		t.Fatalf("commission: %+v", got)
	}
	got = AuditChanges("user.freeze", []byte(`{"reason": "fraud report"}`))
	if len(got) != 2 || !got[0].Changed || got[0].Field != "frozen" || got[0].After != "yes" || got[1].After != "fraud report" {
		t.Fatalf("freeze: %+v", got)
	}
	got = AuditChanges("x.y", []byte(`{"pay_password": "284913", "new_password": "hunter2", "card_pin": "41875203", "token": "abc", "order_id": 7}`))
	for _, c := range got {
		if c.Field == "order_id" {
			if c.After != "7" || c.Secret {
				t.Errorf("order_id: %+v", c)
			}
			continue
		}
		if !c.Secret || c.After != "" || c.Before != "" {
			t.Errorf("%s is shown: %+v", c.Field, c)
		}
	}
	if len(got) != 5 {
		t.Fatalf("secrets: %+v", got)
	}
	if got := AuditChanges("user.password_change", []byte(`{}`)); len(got) != 0 {
		t.Fatalf("empty detail: %+v", got)
	}
}

// TestAuditPageInWords: who (name, role), what in words, to what (linked,
// with the user's name), before → after; a secret's value is never on the page.
func TestAuditPageInWords(t *testing.T) {
	rows := []AuditRow{
		{ID: 2, At: time.Now(), Who: "Ops", Role: RoleOperator, ActorID: 4, Action: "user.freeze", Target: "user:9", TargetName: "张伟",
			Changes: AuditChanges("user.freeze", []byte(`{"reason": "fraud report", "pin": "284913"}`))},
		{ID: 1, At: time.Now(), Role: "system", Action: "settings.update", Target: "settings",
			Changes: AuditChanges("settings.update", []byte(`{"timer.ship_by": {"from": "72h", "to": "96h"}}`))},
	}
	for _, lang := range []Lang{English, Chinese} {
		var buf bytes.Buffer
		if err := AuditPage(AuditVM{Rows: rows, Form: NewForm()}).Render(WithInfo(context.Background(), &Info{Lang: lang, Path: "/ops/audit"}), &buf); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "284913") {
			t.Fatalf("%s: the PIN is on the page", lang)
		}
		doc, _ := goquery.NewDocumentFromReader(&buf)
		first := doc.Find(`[data-testid="audit-entry"]`).First()
		who, what, target := first.Find(`[data-testid="audit-who"]`), first.Find(`[data-testid="audit-what"]`), first.Find(`[data-testid="audit-target"] a`)
		href, _ := target.Attr("href")
		wantWhat, wantRole, wantTarget := "Froze the account", "Operator", "User 9 (张伟)"
		if lang == Chinese {
			wantWhat, wantRole, wantTarget = "冻结账户", "运营", "用户 9 (张伟)"
		}
		if !strings.Contains(who.Text(), "Ops") || !strings.Contains(who.Text(), wantRole) || !strings.Contains(what.Text(), wantWhat) ||
			strings.TrimSpace(target.Text()) != wantTarget || href != "/ops/users?id=9" {
			t.Errorf("%s: who %q what %q target %q → %s", lang, who.Text(), what.Text(), target.Text(), href)
		}
		if ch := strings.Join(strings.Fields(first.Find(`[data-field="frozen"]`).Text()), " "); lang == English && ch != "no → yes" {
			t.Errorf("frozen: %q", ch)
		}
		if s := strings.Join(strings.Fields(doc.Find(`[data-field="timer.ship_by"]`).Text()), " "); s != "72h → 96h" {
			t.Errorf("%s: the setting's change reads %q", lang, s)
		}
	}
}

// TestLegTextAndLinks: each place a bank event's money went reads in words
// and leads to its page.
func TestLegTextAndLinks(t *testing.T) {
	ctx := WithInfo(context.Background(), &Info{Lang: English})
	m := models.MustParseMoney("50.00")
	for _, c := range []struct {
		leg        MoneyLeg
		text, href string
	}{
		{MoneyLeg{Kind: "escrow", Amount: m, OrderID: 7}, "¥50.00 into the escrow of order 7", "/ops/orders/7"},
		{MoneyLeg{Kind: "wallet", Amount: m, UserID: 3, Name: "张伟"}, "¥50.00 to the balance of 张伟", "/ops/ledger?account=wallet%3A3"},
		{MoneyLeg{Kind: "suspense", Amount: m, State: "open"}, "¥50.00 held in suspense: unmatched", "/ops/suspense"},
		{MoneyLeg{Kind: "paid_out", Amount: m, UserID: 5, Name: "王建国", Payout: "PO1"}, "¥50.00 paid out to the bank account of 王建国", "/ops/payouts?id=PO1"},
		{MoneyLeg{Kind: "clawback", Amount: m}, "¥50.00 already spent: owed as a claw-back", "/ops/clawbacks"},
	} {
		if got := LegText(ctx, c.leg); got != c.text {
			t.Errorf("LegText(%+v) = %q, want %q", c.leg, got, c.text)
		}
		if got := LegHref(c.leg); got != c.href {
			t.Errorf("LegHref(%+v) = %q, want %q", c.leg, got, c.href)
		}
	}
}
