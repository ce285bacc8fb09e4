package telecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"lineescrow/app/audit"
	"lineescrow/app/jobs"
	"lineescrow/app/ledger"
	"lineescrow/app/risk"
	"lineescrow/app/store"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Commission is the operator's share of what it collects (the contract).
var Commission = models.RateOfFraction(decimal.New(15, -3))

var settlementRef = regexp.MustCompile(`^TELSET([0-9]{4})(0[1-9]|1[0-2])$`)

// Settlement is a cycle the operator settled, as the platform knows it.
type Settlement struct {
	Cycle          string          `json:"cycle"`
	Reference      string          `json:"reference"`
	Announced      *models.Money   `json:"announced"` // cycle.settled's amount
	Received       models.Money    `json:"received"`  // the bank transfers carrying the reference
	BankTxnID      *string         `json:"bank_txn_id"`
	TotalCollected *models.Money   `json:"total_collected"`
	Commission     *models.Money   `json:"commission"`
	Report         json.RawMessage `json:"-"`
	ReconStatus    string          `json:"recon_status"` // pending, clean, breaks, failed
	ReconError     string          `json:"recon_error"`
	Lines          int             `json:"lines"`
	Matched        int             `json:"matched"`
	Breaks         int             `json:"breaks"`
	ReconciledAt   *time.Time      `json:"reconciled_at"`
	CreatedAt      time.Time       `json:"created_at"`
}

// TableName is the settlements' table.
func (Settlement) TableName() string { return "telecom_settlements" }

// cycleOf reads the cycle a settlement reference names (TELSET202612 →
// 2026-12), or "".
func cycleOf(ref string) string {
	m := settlementRef.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(ref)))
	if m == nil {
		return ""
	}
	return m[1] + "-" + m[2]
}

// announced records cycle.settled and asks for the cycle's reconciliation.
func (s *Service) announced(ctx context.Context, tx *gorm.DB, d bankbridge.Settled) error {
	if err := tx.Exec(`INSERT INTO telecom_settlements (cycle, reference, announced) VALUES (?, ?, ?)
		ON CONFLICT (cycle) DO UPDATE SET announced = EXCLUDED.announced, reference = EXCLUDED.reference`,
		d.Cycle, d.SettlementReference, d.Amount).Error; err != nil {
		return fmt.Errorf("record settlement of %s: %w", d.Cycle, err)
	}
	_, err := s.Queue.InsertTx(ctx, tx, ReconArgs{Cycle: d.Cycle}, nil)
	return err
}

// SettlementCredit books a bank credit that is the operator's settlement of
// a cycle (funding asks, within the credit's transaction, before matching
// any other reference): from the operator's settlement account, carrying a
// settlement reference (one cycle.settled announced, or TELSETYYYYMM). The
// money clears telecom:receivable. It reports whether the credit was one.
func (s *Service) SettlementCredit(ctx context.Context, tx *gorm.DB, bankTxnID string, amount models.Money, reference, payer string) (bool, error) {
	if s.SettlementAccount == "" || digits(payer) != digits(s.SettlementAccount) {
		return false, nil
	}
	ref := strings.ToUpper(strings.TrimSpace(reference))
	var st Settlement
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("reference = ?", ref).Limit(1).Find(&st)
	if res.Error != nil {
		return false, res.Error
	}
	cycle := st.Cycle
	if res.RowsAffected == 0 {
		if cycle = cycleOf(ref); cycle == "" {
			return false, nil
		}
	}
	if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "bank:credit:" + bankTxnID, Kind: "telecom.settlement", Ref: "settlement:" + cycle,
		Memo: ref, Postings: models.Move(models.AccBankCollection, models.AccTelecomReceivable, amount)}); err != nil {
		return false, err
	}
	if err := tx.Exec(`INSERT INTO telecom_settlements (cycle, reference, received, bank_txn_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (cycle) DO UPDATE SET received = telecom_settlements.received + EXCLUDED.received,
		bank_txn_id = coalesce(telecom_settlements.bank_txn_id, EXCLUDED.bank_txn_id)`, cycle, ref, amount, bankTxnID).Error; err != nil {
		return false, err
	}
	if err := tx.Exec(`UPDATE bank_credits SET outcome = 'telecom_settlement' WHERE bank_txn_id = ?`, bankTxnID).Error; err != nil {
		return false, err
	}
	_, err := s.Queue.InsertTx(ctx, tx, ReconArgs{Cycle: cycle}, nil)
	return true, err
}

// SettlementReversed follows the bank's recall of a settlement transfer
// (funding books it back to telecom:receivable: the operator owes it
// again): the cycle's money is counted again and an operator asked to look.
func (s *Service) SettlementReversed(ctx context.Context, tx *gorm.DB, bankTxnID, reversalTxnID string, amount models.Money) error {
	// The cycle by the recalled credit's own reference: a cycle may have
	// come in several transfers.
	if err := tx.Exec(`UPDATE telecom_settlements SET received = received - ?, recon_status = 'pending'
		WHERE reference = (SELECT upper(trim(reference)) FROM bank_credits WHERE bank_txn_id = ?)`, amount, bankTxnID).Error; err != nil {
		return err
	}
	return risk.Raise(ctx, tx, FlagSettlementMoney, nil, nil, map[string]any{"bank_txn_id": bankTxnID, "reversal_txn_id": reversalTxnID,
		"amount": amount.String(), "why": "the bank recalled a settlement transfer from the operator"})
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ReconArgs is the job that reconciles a settled cycle.
type ReconArgs struct {
	Cycle string `json:"cycle"`
}

// Kind names the job.
func (ReconArgs) Kind() string { return "telecom_cycle_recon" }

// InsertOpts: the telecom calls' queue (a second job for the same cycle
// finds the work done).
func (ReconArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTelecom, MaxAttempts: 25}
}

// ReconWorker runs ReconArgs.
type ReconWorker struct {
	river.WorkerDefaults[ReconArgs]
	Telecom *Service
}

// Work reconciles the cycle.
func (w *ReconWorker) Work(ctx context.Context, job *river.Job[ReconArgs]) error {
	_, err := w.Telecom.Reconcile(ctx, job.Args.Cycle)
	return err
}

// tbreak is one difference found in a cycle.
type tbreak struct {
	kind             string
	ref              string
	expected, actual *models.Money
	detail           map[string]any
}

func money(m models.Money) *models.Money { return &m }

// Reconcile matches the operator's settlement report of a cycle to the
// charges, once cycle.settled announced it: each line's charge, status,
// amount and late fee, each credited line to a bill credit, every charge of
// the cycle present, the total, the commission (1.5 %) and the money that
// arrived. The commission the operator kept moves from telecom:receivable
// to expense:telecom_commission. Each difference is a break in the
// operators' reconciliation queue. It is safe to run again: what is booked
// is keyed, a break already open is not repeated.
//
// Errors: bankbridge.ErrNotSettled (wrapped) while the report is not
// served; ErrUnavailable.
func (s *Service) Reconcile(ctx context.Context, cycle string) (*Settlement, error) {
	var st Settlement
	res := s.DB.WithContext(ctx).Where("cycle = ?", cycle).Limit(1).Find(&st)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 || st.Announced == nil {
		return nil, nil // money without cycle.settled yet: that callback asks again
	}
	rep, err := s.Front.Settlement(ctx, cycle)
	if err != nil {
		if !errors.Is(err, bankbridge.ErrNotSettled) && !errors.Is(err, bankbridge.ErrUnavailable) {
			s.DB.WithContext(ctx).Exec(`UPDATE telecom_settlements SET recon_status = 'failed', recon_error = ? WHERE cycle = ?`, truncate(err.Error(), 300), cycle)
		}
		return nil, fmt.Errorf("reconcile cycle %s: %w", cycle, err)
	}
	err = store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("cycle = ?", cycle).Take(&st).Error; err != nil {
			return err
		}
		var breaks []tbreak
		brk := func(kind, ref string, exp, act *models.Money, detail map[string]any) {
			breaks = append(breaks, tbreak{kind, ref, exp, act, detail})
		}
		announced := *st.Announced
		kept := rep.TotalCollected.Sub(announced)
		if want := Commission.Of(rep.TotalCollected); !kept.Equal(want) {
			brk("total_mismatch", "commission", money(want), money(kept), map[string]any{"why": "the operator kept another commission than 1.5 % of what it collected",
				"total_collected": rep.TotalCollected.String(), "announced": announced.String()})
		}
		matched, sum, seen := 0, models.Zero, map[string]bool{}
		for _, line := range rep.Lines {
			ok, err := s.matchLine(ctx, tx, cycle, line, brk)
			if err != nil {
				return err
			}
			if ok {
				matched++
			}
			switch line.Status {
			case bankbridge.SettlementCollected:
				sum = sum.Add(line.Amount).Add(line.LateFee)
			case bankbridge.SettlementCredited:
				sum = sum.Sub(line.Amount)
			}
			if line.Status != bankbridge.SettlementCredited {
				seen[line.ChargeID] = true
			}
		}
		if !sum.Equal(rep.TotalCollected) {
			brk("total_mismatch", "total", money(sum), money(rep.TotalCollected), map[string]any{"why": "the lines do not add up to the total collected"})
		}
		var ours []models.Charge
		if err := tx.Where("bill_cycle = ? AND state NOT IN ?", cycle, []models.ChargeState{models.ChargeRefused, models.ChargeRequested}).
			Find(&ours).Error; err != nil {
			return err
		}
		for _, c := range ours {
			if !seen[c.ID] {
				brk("missing_from_report", c.ID, money(c.Amount), nil, map[string]any{"order_id": c.OrderID, "state": c.State})
			}
		}
		if st.Received.IsPositive() && !st.Received.Equal(announced) {
			brk("transfer_mismatch", st.Reference, money(announced), money(st.Received), map[string]any{"why": "the bank transfer differs from what cycle.settled announced"})
		}
		// The commission last: charges' rows are locked before the
		// receivable's, as every callback of a charge does.
		if kept.IsPositive() {
			if _, err := ledger.Post(ctx, tx, models.Transfer{Key: "telecom:commission:" + cycle, Kind: "telecom.commission", Ref: "settlement:" + cycle,
				Postings: models.Move(models.AccExpenseTelecomComm, models.AccTelecomReceivable, kept)}); err != nil {
				return err
			}
		} else {
			kept = models.Zero // more announced than collected: a break above, nothing booked
		}
		status := "clean"
		switch {
		case len(breaks) > 0:
			status = "breaks"
		case !st.Received.IsPositive() && announced.IsPositive():
			status = "pending" // the money has not arrived yet; it asks again when it does
		}
		for _, b := range breaks {
			d, _ := json.Marshal(b.detail)
			if err := tx.Exec(`INSERT INTO recon_breaks (cycle, kind, bank_txn_id, expected, actual, detail) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (cycle, kind, bank_txn_id) WHERE status = 'open' AND cycle <> '' DO NOTHING`,
				cycle, b.kind, b.ref, b.expected, b.actual, d).Error; err != nil {
				return err
			}
		}
		report, _ := json.Marshal(rep)
		if err := tx.Model(&Settlement{}).Where("cycle = ?", cycle).Updates(map[string]any{"total_collected": rep.TotalCollected,
			"commission": kept, "report": report, "recon_status": status, "recon_error": "", "lines": len(rep.Lines), "matched": matched,
			"breaks": len(breaks), "reconciled_at": s.now()}).Error; err != nil {
			return err
		}
		return tx.Where("cycle = ?", cycle).Take(&st).Error
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile cycle %s: %w", cycle, err)
	}
	return &st, nil
}

// matchLine matches one line of a settlement to the platform's charge (or,
// credited, to its bill credit) and marks what it paid over.
func (s *Service) matchLine(ctx context.Context, tx *gorm.DB, cycle string, line bankbridge.SettlementLine,
	brk func(kind, ref string, exp, act *models.Money, detail map[string]any)) (bool, error) {
	c, err := s.charge(ctx, tx, line.ChargeID)
	if err != nil {
		return false, err
	}
	// A credited line carries the credit's own work order.
	if c == nil || (line.Status != bankbridge.SettlementCredited && c.WorkOrderID != nil && *c.WorkOrderID != line.WorkOrderID) {
		brk("unknown_charge", line.ChargeID, nil, money(line.Amount), map[string]any{"work_order_id": line.WorkOrderID, "status": line.Status})
		return false, nil
	}
	if line.Status == bankbridge.SettlementCredited {
		res := tx.Exec(`UPDATE telecom_refunds SET deducted_cycle = ? WHERE id = (SELECT id FROM telecom_refunds WHERE charge_id = ?
			AND method = 'bill_credit' AND state = 'done' AND amount = ? AND (deducted_cycle IS NULL OR deducted_cycle = ?)
			ORDER BY deducted_cycle NULLS LAST, created_at LIMIT 1)`, cycle, c.ID, line.Amount, cycle)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected == 0 {
			brk("unknown_credit", c.ID, nil, money(line.Amount), map[string]any{"order_id": c.OrderID, "why": "no bill credit of ours of this amount"})
			return false, nil
		}
		return true, nil
	}
	ok := true
	want := map[string][]models.ChargeState{
		bankbridge.SettlementCollected:  {models.ChargeCollected},
		bankbridge.SettlementOverdue:    {models.ChargeOverdue, models.ChargeBilled, models.ChargeCollected, models.ChargeWrittenOff},
		bankbridge.SettlementWrittenOff: {models.ChargeWrittenOff},
		bankbridge.SettlementCancelled:  {models.ChargeCancelled, models.ChargeVoid},
	}[line.Status]
	found := false
	for _, w := range want {
		found = found || c.State == w
	}
	if !found {
		brk("status_mismatch", c.ID, nil, nil, map[string]any{"order_id": c.OrderID, "report": line.Status, "ours": c.State})
		ok = false
	}
	if !line.Amount.Equal(c.Amount) {
		brk("amount_mismatch", c.ID, money(c.Amount), money(line.Amount), map[string]any{"order_id": c.OrderID})
		ok = false
	}
	if line.Status == bankbridge.SettlementCollected {
		if !line.LateFee.Equal(c.LateFee) {
			brk("late_fee_mismatch", c.ID, money(c.LateFee), money(line.LateFee), map[string]any{"order_id": c.OrderID})
			ok = false
		}
		if c.SettledCycle != nil && *c.SettledCycle != cycle {
			brk("status_mismatch", c.ID, nil, nil, map[string]any{"order_id": c.OrderID, "why": "paid over already in " + *c.SettledCycle})
			return false, nil
		}
		if err := tx.Exec("UPDATE telecom_charges SET settled_cycle = ? WHERE id = ?", cycle, c.ID).Error; err != nil {
			return false, err
		}
	}
	return ok, nil
}

// Settlements lists the settled cycles, latest first.
//
// Errors: EFORBIDDEN unless actor is an operator.
func (s *Service) Settlements(ctx context.Context, actor models.Actor) ([]Settlement, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	var out []Settlement
	if err := s.DB.WithContext(ctx).Order("cycle DESC").Limit(60).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("settlements: %w", err)
	}
	return out, nil
}

// Rerun reconciles a cycle again at an operator's request (audited).
//
// Errors: EFORBIDDEN unless an operator; ENOTFOUND for a cycle not settled;
// EUNAVAILABLE while the report cannot be read.
func (s *Service) Rerun(ctx context.Context, actor models.Actor, cycle string) (*Settlement, error) {
	if !actor.IsOperator() {
		return nil, models.Errorf(models.EFORBIDDEN, "You are not allowed to do that.")
	}
	st, err := s.Reconcile(ctx, cycle)
	if errors.Is(err, bankbridge.ErrNotSettled) || errors.Is(err, bankbridge.ErrUnavailable) {
		return nil, models.Errorf(models.EUNAVAILABLE, "The phone company's settlement report of %s cannot be read now. Try again later.", cycle)
	}
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, models.Errorf(models.ENOTFOUND, "Cycle %s has not been settled by the phone company.", cycle)
	}
	if err := store.InTx(ctx, s.DB, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, &actor, "telecom.recon", "settlement:"+cycle, map[string]any{"status": st.ReconStatus, "breaks": st.Breaks})
	}); err != nil {
		return nil, err
	}
	return st, nil
}
