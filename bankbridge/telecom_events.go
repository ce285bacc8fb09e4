package bankbridge

import (
	"encoding/json"
	"fmt"
	"time"

	"lineescrow/models"
)

// Event types of the telecom front-end's callbacks (contracts/telecom-frontend.md
// section 2). They come in the same Event envelope as the bank's, signed the
// same way with the telecom secret.
const (
	ChargeBilled     = "charge.billed"
	ChargeCollected  = "charge.collected"
	ChargeOverdue    = "charge.overdue"
	ChargeWrittenOff = "charge.written_off"
	CycleSettled     = "cycle.settled"
)

// Billed is the data of charge.billed: the charge is on an issued bill.
type Billed struct {
	ChargeID    string    `json:"charge_id"`
	WorkOrderID string    `json:"work_order_id"`
	BillCycle   string    `json:"bill_cycle"`
	BilledAt    time.Time `json:"billed_at"`
}

// Collected is the data of charge.collected: the subscriber paid the bill
// that carried the charge.
type Collected struct {
	ChargeID    string    `json:"charge_id"`
	WorkOrderID string    `json:"work_order_id"`
	CollectedAt time.Time `json:"collected_at"`
}

// Overdue is the data of charge.overdue, sent when the bill goes overdue and
// again every 10 days while it stays unpaid.
type Overdue struct {
	ChargeID       string       `json:"charge_id"`
	WorkOrderID    string       `json:"work_order_id"`
	DaysOverdue    int          `json:"days_overdue"`
	LateFeeAccrued models.Money `json:"late_fee_accrued"`
}

// WrittenOff is the data of charge.written_off: the operator gave up collecting.
type WrittenOff struct {
	ChargeID    string `json:"charge_id"`
	WorkOrderID string `json:"work_order_id"`
}

// Settled is the data of cycle.settled: the operator transferred the cycle's
// collected charges, net of its commission; the money arrives as a bank
// transfer.received whose reference is SettlementReference.
type Settled struct {
	Cycle               string       `json:"cycle"`
	SettlementReference string       `json:"settlement_reference"`
	Amount              models.Money `json:"amount"`
}

// KnownTelecom reports whether the platform handles telecom events of type t.
func KnownTelecom(t string) bool {
	switch t {
	case ChargeBilled, ChargeCollected, ChargeOverdue, ChargeWrittenOff, CycleSettled:
		return true
	}
	return false
}

// ParseTelecom reads and validates a telecom callback body: the envelope, and
// for the known types the data, every field the contract names present and
// well-formed (amounts strings with two decimals, times RFC 3339, cycles
// YYYY-MM). Unknown types parse, for keeping and review. The error says what
// is malformed (answered with 400).
func ParseTelecom(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("malformed event: %v", err)
	}
	if e.ID == "" || e.Type == "" || len(e.Data) == 0 || string(e.Data) == "null" {
		return nil, fmt.Errorf("malformed event: id, type and data are required")
	}
	var err error
	switch e.Type {
	case ChargeBilled:
		var d Billed
		if err = strictData(e.Data, &d); err == nil && (d.ChargeID == "" || d.WorkOrderID == "" || !ValidCycle(d.BillCycle) || d.BilledAt.IsZero()) {
			err = fmt.Errorf("malformed charge.billed: charge_id, work_order_id, bill_cycle (YYYY-MM) and billed_at are required")
		}
	case ChargeCollected:
		var d Collected
		if err = strictData(e.Data, &d); err == nil && (d.ChargeID == "" || d.WorkOrderID == "" || d.CollectedAt.IsZero()) {
			err = fmt.Errorf("malformed charge.collected: charge_id, work_order_id and collected_at are required")
		}
	case ChargeOverdue:
		var d Overdue
		if err = strictData(e.Data, &d); err == nil {
			err = present(e.Data, "late_fee_accrued", "days_overdue")
		}
		if err == nil && (d.ChargeID == "" || d.WorkOrderID == "" || d.DaysOverdue < 1) {
			err = fmt.Errorf("malformed charge.overdue: charge_id, work_order_id and days_overdue of at least 1 are required")
		}
	case ChargeWrittenOff:
		var d WrittenOff
		if err = strictData(e.Data, &d); err == nil && (d.ChargeID == "" || d.WorkOrderID == "") {
			err = fmt.Errorf("malformed charge.written_off: charge_id and work_order_id are required")
		}
	case CycleSettled:
		// A cycle in which nothing was collected settles at 0.00.
		var d Settled
		if err = strictData(e.Data, &d); err == nil {
			err = present(e.Data, "amount")
		}
		if err == nil && (!ValidCycle(d.Cycle) || d.SettlementReference == "") {
			err = fmt.Errorf("malformed cycle.settled: cycle (YYYY-MM), settlement_reference and amount are required")
		}
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// present checks that data has each key with a value other than null: a
// missing amount must not read as zero.
func present(raw json.RawMessage, keys ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("malformed data: %v", err)
	}
	for _, k := range keys {
		if v, ok := m[k]; !ok || string(v) == "null" {
			return fmt.Errorf("malformed data: %s is required", k)
		}
	}
	return nil
}
