package bankbridge

import (
	"encoding/json"
	"testing"
)

func TestParseTelecom(t *testing.T) {
	env := func(typ, data string) string {
		return `{"id":"evt_1","type":"` + typ + `","created_at":"2026-12-01T00:00:05Z","data":` + data + `}`
	}
	good := map[string]string{
		ChargeBilled:     `{"charge_id":"ch_1","work_order_id":"WO2026112900017","bill_cycle":"2026-12","billed_at":"2026-12-01T00:00:00Z"}`,
		ChargeCollected:  `{"charge_id":"ch_1","work_order_id":"WO2026112900017","collected_at":"2026-12-20T03:00:00Z"}`,
		ChargeOverdue:    `{"charge_id":"ch_1","work_order_id":"WO2026112900017","days_overdue":1,"late_fee_accrued":"0.78"}`,
		ChargeWrittenOff: `{"charge_id":"ch_1","work_order_id":"WO2026112900017"}`,
		CycleSettled:     `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":"255.12"}`,
	}
	for typ, data := range good {
		e, err := ParseTelecom([]byte(env(typ, data)))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if !KnownTelecom(e.Type) || Known(e.Type) {
			t.Errorf("%s: known %v, a bank type %v", typ, KnownTelecom(e.Type), Known(e.Type))
		}
	}
	// The data decodes into the structs under the contract's names.
	e, _ := ParseTelecom([]byte(env(ChargeOverdue, good[ChargeOverdue])))
	var o Overdue
	if err := json.Unmarshal(e.Data, &o); err != nil || o.DaysOverdue != 1 || o.LateFeeAccrued.String() != "0.78" || o.WorkOrderID != "WO2026112900017" {
		t.Fatalf("overdue: %+v %v", o, err)
	}
	e, _ = ParseTelecom([]byte(env(CycleSettled, good[CycleSettled])))
	var s Settled
	if err := json.Unmarshal(e.Data, &s); err != nil || s.Amount.String() != "255.12" || s.SettlementReference != "TELSET202612" {
		t.Fatalf("settled: %+v %v", s, err)
	}
	// Nothing collected settles at zero.
	if _, err := ParseTelecom([]byte(env(CycleSettled, `{"cycle":"2027-01","settlement_reference":"TELSET202701","amount":"0.00"}`))); err != nil {
		t.Fatalf("zero settlement: %v", err)
	}

	bad := map[string]string{
		"not json":                 `{"id":`,
		"no id":                    `{"type":"charge.billed","data":{}}`,
		"no data":                  `{"id":"e","type":"charge.billed"}`,
		"null data":                `{"id":"e","type":"charge.billed","data":null}`,
		"billed no work order":     env(ChargeBilled, `{"charge_id":"ch_1","bill_cycle":"2026-12","billed_at":"2026-12-01T00:00:00Z"}`),
		"billed bad cycle":         env(ChargeBilled, `{"charge_id":"ch_1","work_order_id":"WO1","bill_cycle":"2026-13","billed_at":"2026-12-01T00:00:00Z"}`),
		"billed no time":           env(ChargeBilled, `{"charge_id":"ch_1","work_order_id":"WO1","bill_cycle":"2026-12"}`),
		"billed bad time":          env(ChargeBilled, `{"charge_id":"ch_1","work_order_id":"WO1","bill_cycle":"2026-12","billed_at":"yesterday"}`),
		"collected no charge":      env(ChargeCollected, `{"work_order_id":"WO1","collected_at":"2026-12-20T03:00:00Z"}`),
		"collected no time":        env(ChargeCollected, `{"charge_id":"ch_1","work_order_id":"WO1"}`),
		"overdue no fee":           env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1}`),
		"overdue null fee":         env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1,"late_fee_accrued":null}`),
		"overdue number fee":       env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1,"late_fee_accrued":0.78}`),
		"overdue three decimals":   env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1,"late_fee_accrued":"0.777"}`),
		"overdue negative fee":     env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1,"late_fee_accrued":"-0.78"}`),
		"overdue no days":          env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","late_fee_accrued":"0.78"}`),
		"overdue zero days":        env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":0,"late_fee_accrued":"0.00"}`),
		"overdue string days":      env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":"1","late_fee_accrued":"0.78"}`),
		"overdue fractional days":  env(ChargeOverdue, `{"charge_id":"ch_1","work_order_id":"WO1","days_overdue":1.5,"late_fee_accrued":"0.78"}`),
		"written off no work":      env(ChargeWrittenOff, `{"charge_id":"ch_1"}`),
		"written off data array":   env(ChargeWrittenOff, `["ch_1"]`),
		"settled no amount":        env(CycleSettled, `{"cycle":"2026-12","settlement_reference":"TELSET202612"}`),
		"settled number amount":    env(CycleSettled, `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":255.12}`),
		"settled negative amount":  env(CycleSettled, `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":"-1.00"}`),
		"settled no reference":     env(CycleSettled, `{"cycle":"2026-12","amount":"1.00"}`),
		"settled cycle as a day":   env(CycleSettled, `{"cycle":"2026-12-01","settlement_reference":"TELSET202612","amount":"1.00"}`),
		"settled amount exponent":  env(CycleSettled, `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":"1e3"}`),
		"settled amount grouping":  env(CycleSettled, `{"cycle":"2026-12","settlement_reference":"TELSET202612","amount":"1,000.00"}`),
		"collected time as number": env(ChargeCollected, `{"charge_id":"ch_1","work_order_id":"WO1","collected_at":1790000000}`),
	}
	for name, body := range bad {
		if _, err := ParseTelecom([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Unknown types (a bank event sent to the telecom endpoint too) parse and are not handled.
	for _, typ := range []string{"charge.disputed", TransferReceived} {
		e, err := ParseTelecom([]byte(env(typ, `{"x":1}`)))
		if err != nil || KnownTelecom(e.Type) {
			t.Errorf("%s: %v known=%v", typ, err, e != nil && KnownTelecom(e.Type))
		}
	}
}
