package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/bankbridge/banksim"
	"lineescrow/models"
)

// Two transfers come without a usable reference and land in suspense. On a
// phone, the operator finds the first one's order by the buyer's phone
// number (the results come as they type) and assigns it there: the order is
// paid from suspense. The second they find by the buyer's name with the
// search button (a plain GET form) and credit to that buyer's balance. Each
// assignment asks once more, naming the amount and where it goes; the
// ledger shows the money where it should be.
func TestOperatorFindsWhereAnUnmatchedTransferBelongs(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	o := a.Checkout(a.Buyer2, a.Listing("88.00", 3), 1) // Li Na, 139 0013 9000
	first := a.Sim.Transfer(banksim.TransferInput{Amount: models.MustParseMoney("88.00"), Memo: "Li Na 货款",
		Account: "6222020200114455", Name: "李娜"})
	second := a.Sim.Transfer(banksim.TransferInput{Amount: models.MustParseMoney("20.00"), Memo: "充值",
		Account: "6222020200114455", Name: "李娜"})
	for deadline := time.Now().Add(30 * time.Second); a.Count(`SELECT count(*) FROM bank_credits WHERE suspense_state = 'open'`) < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the transfers did not reach suspense")
		}
	}
	if b := a.Balance(models.AccSuspense); b != "108.00" {
		t.Fatalf("suspense holds %s, want 108.00", b)
	}

	op := browser(t)
	var mu sync.Mutex
	var asked []string
	dialogs := chromedp.Events(op, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			asked = append(asked, ev.Message)
			mu.Unlock()
			_, _ = chromedp.Call(op, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	a.login(t, op, a.Operator.Login, ptest.Password)

	card := fmt.Sprintf(`[data-testid="suspense-%s"]`, first.TxnID)
	orderButton := fmt.Sprintf(`%s [data-testid="assign-order-%d"]`, card, o.ID)
	run(t, op, "the queue", chromedp.Navigate(a.URL+"/ops/suspense"), visible(card))
	// Typing the phone is enough: htmx brings the results under the card.
	run(t, op, "search by phone as one types",
		fillIn(card+` [data-testid="find-form"]`, map[string]string{"note": "Li Na phoned about her order"}),
		fillIn(card+` [data-testid="find-form"]`, map[string]string{"q": "139 0013 9000"}),
		visible(orderButton),
		// The result carries the note typed beside the search.
		chromedp.WaitReady(css(fmt.Sprintf(`%s [data-testid="candidate-order-%d"] input[name="note"][value="Li Na phoned about her order"]`, card, o.ID))),
	)
	expectText(t, op, fmt.Sprintf(`%s [data-testid="candidate-order-%d"]`, card, o.ID), "¥88.00")
	expectText(t, op, fmt.Sprintf(`%s [data-testid="candidate-buyer-%d"]`, card, a.Buyer2.ID), "139****9000")
	if overflow, err := chromedp.Run(op, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || overflow {
		t.Errorf("the suspense page overflows 375 px (%v)", err)
	}
	run(t, op, "assign to the order", click(orderButton), visible(`[data-testid="flash-success"]`))

	for deadline := time.Now().Add(20 * time.Second); a.Order(o.ID).State != models.Paid; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the order stayed %s", a.Order(o.ID).State)
		}
	}
	if esc, s := a.Balance(models.EscrowAccount(o.ID)), a.Balance(models.AccSuspense); esc != "88.00" || s != "20.00" {
		t.Fatalf("after the first assignment: escrow %s, suspense %s; want 88.00 and 20.00", esc, s)
	}
	var note string
	if err := a.DB.Raw(`SELECT suspense_note FROM bank_credits WHERE bank_txn_id = ?`, first.TxnID).Scan(&note).Error; err != nil || note != "Li Na phoned about her order" {
		t.Fatalf("the assignment's note: %q %v", note, err)
	}

	// The second, by name, with the search button (no live results needed).
	card2 := fmt.Sprintf(`[data-testid="suspense-%s"]`, second.TxnID)
	buyerButton := fmt.Sprintf(`%s [data-testid="assign-buyer-%d"]`, card2, a.Buyer2.ID)
	run(t, op, "search by name",
		chromedp.Navigate(a.URL+"/ops/suspense"),
		visible(card2),
		fillIn(card2+` [data-testid="find-form"]`, map[string]string{"q": "li na"}),
		click(card2+` [data-testid="find-submit"]`),
		visible(buyerButton),
	)
	if loc, _ := chromedp.Run(op, chromedp.Location()); !strings.Contains(loc, "q=li+na") {
		t.Errorf("the search is not a GET form: %s", loc)
	}
	run(t, op, "credit to the buyer's balance", click(buyerButton), visible(`[data-testid="flash-success"]`))
	if w, s := a.Balance(models.WalletAccount(a.Buyer2.ID)), a.Balance(models.AccSuspense); w != "20.00" || s != "0.00" {
		t.Fatalf("after the second assignment: Li Na's balance %s, suspense %s; want 20.00 and 0.00", w, s)
	}
	if b, sb := a.Balance(models.AccBankCollection), a.Sim.Balance(); b != "108.00" || sb.String() != "108.00" {
		t.Fatalf("bank:collection %s, the simulated bank %s; want 108.00", b, sb)
	}
	run(t, op, "the queue is empty", chromedp.Navigate(a.URL+"/ops/suspense"), visible(`[data-testid="empty"]`))

	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || !strings.Contains(asked[0], "¥88.00") || !strings.Contains(asked[0], fmt.Sprint(o.ID)) ||
		!strings.Contains(asked[1], "¥20.00") || !strings.Contains(asked[1], "Li Na") {
		t.Errorf("the confirmations asked: %q", asked)
	}

	// The bank events page says where each went, linked.
	run(t, op, "the bank events", chromedp.Navigate(a.URL+"/ops/events"), visible(`[data-testid="bank-events"]`))
	expectText(t, op, fmt.Sprintf(`[data-testid="bank-events"] tr:has(a[href="/ops/events?txn=%s"]) [data-testid="where"]`, first.TxnID),
		fmt.Sprintf("¥88.00 into the escrow of order %d", o.ID))
	expectText(t, op, fmt.Sprintf(`[data-testid="bank-events"] tr:has(a[href="/ops/events?txn=%s"]) [data-testid="where"]`, second.TxnID),
		"¥20.00 to the balance of Li Na")
}
