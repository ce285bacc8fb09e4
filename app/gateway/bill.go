package gateway

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"lineescrow/app/ledger"
	"lineescrow/app/orders"
	"lineescrow/models"
)

// MaxBillLines bounds one day's bill.
const MaxBillLines = 20000

// BillColumns are the columns of bill.download's CSV.
var BillColumns = []string{"time", "transfer_id", "kind", "trade_no", "out_trade_no", "order_id", "account", "change", "memo"}

// billDownload is the method bill.download: bill_date (yyyy-MM-dd, a
// Beijing day, not in the future). The reply's "bill" is a CSV (UTF-8, one
// header line, BillColumns) of every movement of the merchant's money that
// day, oldest first: on its seller's own balances (available, and pending
// while the operator has not collected a landline charge) and in the escrow
// of its gateway trades; "lines" counts them.
func (s *Service) billDownload(ctx context.Context, m *Merchant, actor models.Actor, p map[string]string) (map[string]string, error) {
	day, err := time.ParseInLocation("2006-01-02", p["bill_date"], models.Shanghai)
	if err != nil {
		return nil, models.FieldError("bill_date", "Give the day as yyyy-MM-dd.")
	}
	if day.After(s.now()) {
		return nil, models.FieldError("bill_date", "The day has not begun yet.")
	}
	end := day.AddDate(0, 0, 1)
	// The escrows of the merchant's trades whose orders changed since the
	// day began: every one that can have moved money that day.
	var refs []struct {
		OrderID    int64
		TradeNo    string
		OutTradeNo string
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT t.order_id, t.trade_no, t.out_trade_no FROM gateway_trades t JOIN orders o ON o.id = t.order_id
		WHERE t.merchant_id = ? AND o.updated_at >= ? AND t.created_at < ?`, m.ID, day, end).Scan(&refs).Error; err != nil {
		return nil, fmt.Errorf("bill of %s: %w", m.AppID, err)
	}
	accounts := []string{models.SellerAvailableAccount(m.SellerID), models.SellerPendingAccount(m.SellerID)}
	trades := map[string][2]string{}
	for _, r := range refs {
		accounts = append(accounts, models.EscrowAccount(r.OrderID))
		trades[orders.Ref(r.OrderID)] = [2]string{r.TradeNo, r.OutTradeNo}
	}
	moves, err := ledger.Movements(ctx, s.DB, ledger.MovementQuery{Accounts: accounts, From: day, To: end, Oldest: true, Limit: MaxBillLines + 1})
	if err != nil {
		return nil, fmt.Errorf("bill of %s: %w", m.AppID, err)
	}
	if len(moves) > MaxBillLines {
		return nil, fail(SystemBusy, "Too many movements for one bill: ask an operator for this day's statement.")
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(BillColumns)
	for _, mv := range moves {
		t := trades[mv.Ref]
		order := ""
		if id, ok := strings.CutPrefix(mv.Ref, "order:"); ok {
			order = id
		}
		_ = w.Write([]string{mv.At.In(models.Shanghai).Format(time.RFC3339), strconv.FormatInt(mv.TransferID, 10), mv.Kind,
			t[0], csvSafe(t[1]), order, mv.Account, mv.Delta().String(), csvSafe(mv.Memo)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return map[string]string{"bill_date": p["bill_date"], "bill": buf.String(), "lines": strconv.Itoa(len(moves))}, nil
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
