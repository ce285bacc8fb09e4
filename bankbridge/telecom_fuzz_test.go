package bankbridge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"lineescrow/models"
)

var telecomTypes = []string{ChargeBilled, ChargeCollected, ChargeOverdue, ChargeWrittenOff, CycleSettled, "charge.refunded"}

// FuzzTelecomEvent builds telecom callbacks from fuzzed field values (the
// contract's section 2) and checks ParseTelecom against the contract: it
// accepts a known type exactly when every field the contract names is
// present and well-formed, what it accepts reads back with the same values
// into the type the platform later decodes without checking again
// (app/telecom), and the event re-encoded parses to the same event.
func FuzzTelecomEvent(f *testing.F) {
	f.Add(uint8(0), "ch_1", "wo_1", "2026-11", "2026-11-30T16:00:00Z", "12.30", 1, uint8(0))
	f.Add(uint8(1), "ch_1", "wo_1", "2026-13", "2026-12-15T08:00:00+08:00", "0.00", 0, uint8(0))
	f.Add(uint8(2), "ch_2", "wo_2", "", "", "1.5", 10, uint8(0))
	f.Add(uint8(2), "ch_2", "wo_2", "", "", "3.000", 0, uint8(1))
	f.Add(uint8(3), "", "wo_3", "", "", "", 0, uint8(2))
	f.Add(uint8(4), "", "", "2026-11", "", "1234.56", 0, uint8(0))
	f.Add(uint8(4), "", "", "2026-1", "", "-1.00", 0, uint8(3))
	f.Add(uint8(5), "ch_9", "", "", "yesterday", "NaN", -3, uint8(4))
	f.Fuzz(func(t *testing.T, which uint8, charge, workOrder, cycle, at, amount string, days int, shape uint8) {
		for _, s := range []string{charge, workOrder, cycle, at, amount} {
			if !utf8.ValidString(s) {
				return // JSON would carry U+FFFD instead: not the text sent
			}
		}
		typ := telecomTypes[int(which)%len(telecomTypes)]
		var data map[string]any
		// shape bits: 1 the amount as a JSON number, 2 days as a string,
		// 4 an unknown field, 8 the envelope without an id.
		var amountValue any = amount
		if shape&1 != 0 {
			amountValue = json.Number(amount)
		}
		var daysValue any = days
		if shape&2 != 0 {
			daysValue = "1"
		}
		switch typ {
		case ChargeBilled:
			data = map[string]any{"charge_id": charge, "work_order_id": workOrder, "bill_cycle": cycle, "billed_at": at}
		case ChargeCollected:
			data = map[string]any{"charge_id": charge, "work_order_id": workOrder, "collected_at": at}
		case ChargeOverdue:
			data = map[string]any{"charge_id": charge, "work_order_id": workOrder, "days_overdue": daysValue, "late_fee_accrued": amountValue}
		case ChargeWrittenOff:
			data = map[string]any{"charge_id": charge, "work_order_id": workOrder}
		case CycleSettled:
			data = map[string]any{"cycle": cycle, "settlement_reference": charge, "amount": amountValue}
		default:
			data = map[string]any{"charge_id": charge}
		}
		if shape&4 != 0 {
			data["extra"] = "x"
		}
		d, err := json.Marshal(data)
		if err != nil {
			return // a number that is no JSON number: nothing to send
		}
		id := "evt_1"
		if shape&8 != 0 {
			id = ""
		}
		body, _ := json.Marshal(Event{ID: id, Type: typ, CreatedAt: time.Unix(1767225600, 0).UTC(), Data: d})

		ev, err := ParseTelecom(body)
		want := id != "" && wellFormed(typ, charge, workOrder, cycle, at, amount, days, shape)
		if (err == nil) != want {
			t.Fatalf("ParseTelecom(%s) = %v, want accepted %v", body, err, want)
		}
		if err != nil {
			if ev != nil {
				t.Fatal("a refused event came back with an event")
			}
			return
		}
		if ev.ID != id || ev.Type != typ || !bytes.Equal(ev.Data, d) {
			t.Fatalf("event changed: %+v", ev)
		}
		again, _ := json.Marshal(ev)
		if ev2, err := ParseTelecom(again); err != nil || ev2.ID != ev.ID || !bytes.Equal(ev2.Data, ev.Data) {
			t.Fatalf("re-encoded event %s: %v", again, err)
		}
		switch typ {
		case ChargeOverdue:
			var o Overdue
			if err := json.Unmarshal(ev.Data, &o); err != nil || o.ChargeID != charge || o.DaysOverdue != days || o.LateFeeAccrued.String() != models.MustParseMoney(amount).String() {
				t.Fatalf("overdue reads back as %+v %v", o, err)
			}
		case CycleSettled:
			var s Settled
			if err := json.Unmarshal(ev.Data, &s); err != nil || s.Cycle != cycle || s.SettlementReference != charge || !s.Amount.Equal(models.MustParseMoney(amount)) {
				t.Fatalf("settled reads back as %+v %v", s, err)
			}
		case ChargeBilled:
			var b Billed
			if err := json.Unmarshal(ev.Data, &b); err != nil || b.ChargeID != charge || b.WorkOrderID != workOrder || b.BillCycle != cycle || b.BilledAt.IsZero() {
				t.Fatalf("billed reads back as %+v %v", b, err)
			}
		case ChargeCollected:
			var c Collected
			if err := json.Unmarshal(ev.Data, &c); err != nil || c.ChargeID != charge || c.CollectedAt.IsZero() {
				t.Fatalf("collected reads back as %+v %v", c, err)
			}
		}
	})
}

// wellFormed is the contract's rule for the fields, written independently of
// ParseTelecom: ids present, cycles YYYY-MM, times RFC 3339, amounts strings
// with at most two decimals, days at least 1.
func wellFormed(typ, charge, workOrder, cycle, at, amount string, days int, shape uint8) bool {
	okTime := func() bool {
		var tm time.Time
		q, _ := json.Marshal(at)
		return json.Unmarshal(q, &tm) == nil && !tm.IsZero()
	}
	okAmount := func() bool {
		_, err := models.ParseMoney(amount)
		return err == nil && shape&1 == 0
	}
	switch typ {
	case ChargeBilled:
		return charge != "" && workOrder != "" && ValidCycle(cycle) && okTime()
	case ChargeCollected:
		return charge != "" && workOrder != "" && okTime()
	case ChargeOverdue:
		return charge != "" && workOrder != "" && days >= 1 && shape&2 == 0 && okAmount()
	case ChargeWrittenOff:
		return charge != "" && workOrder != ""
	case CycleSettled:
		return ValidCycle(cycle) && charge != "" && okAmount()
	}
	return true // unknown types are kept for review
}

// FuzzVerifyTelecom: a telecom callback verifies exactly when it is signed
// with the telecom key and its timestamp is within Tolerance of our clock;
// one signed with the bank's key never does (the two secrets are separate),
// nor one whose id was changed after signing.
func FuzzVerifyTelecom(f *testing.F) {
	f.Add("tel_1", int64(0), []byte(`{"id":"tel_1","type":"charge.collected","data":{}}`), false)
	f.Add("tel_2", int64(300), []byte(`{}`), false)
	f.Add("tel_3", int64(-301), []byte{}, true)
	f.Add("tel 4", int64(1<<40), []byte("\x00"), false)
	telKey := []byte("telecom-key-0123456789abcdef0123")
	bankKey := []byte("bank-key-0123456789abcdef0123456")
	now := time.Unix(1767225600, 0)
	f.Fuzz(func(t *testing.T, id string, skew int64, body []byte, bankSigned bool) {
		skew %= 1 << 32 // seconds that fit a time.Duration
		at := now.Add(time.Duration(skew) * time.Second)
		h := http.Header{}
		key := telKey
		if bankSigned {
			key = bankKey
		}
		SetHeaders(h, key, id, at, body)
		got, err := Verify(telKey, h, body, now)
		fresh := skew >= -int64(Tolerance/time.Second) && skew <= int64(Tolerance/time.Second)
		want := !bankSigned && fresh && h.Get("webhook-id") != ""
		if (err == nil) != want {
			t.Fatalf("id %q skew %d bank %v: %v, want verified %v", id, skew, bankSigned, err, want)
		}
		if err == nil && got != h.Get("webhook-id") {
			t.Fatalf("verified as %q, sent %q", got, h.Get("webhook-id"))
		}
		if err == nil {
			h.Set("webhook-id", h.Get("webhook-id")+"x")
			if _, err := Verify(telKey, h, body, now); err == nil {
				t.Fatal("a changed id verified")
			}
		}
	})
}
