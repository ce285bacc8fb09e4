package views

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"lineescrow/models"
)

// The operators' pages a person works with: the unmatched transfers and
// their search for where the money belongs, the bank events in a table that
// says where each one's money went, and the audit log in words.

// SuspenseSearch is the search for the buyer or order a transfer in
// suspense belongs to, under that transfer's card.
type SuspenseSearch struct {
	Txn   string
	Query string
	Note  string
	// Suggested: no query yet, so these are proposals from the transfer
	// itself (the payer's name, the amount, the memo's near references).
	Suggested bool
	Buyers    []BuyerCandidate
	Orders    []OrderCandidate
	// Error is the search's own error (beside its field), in the reader's language.
	Error string
}

// BuyerCandidate is a buyer the money could be credited to.
type BuyerCandidate struct {
	ID     int64
	Name   string
	Phone  string // masked
	Frozen bool
	Why    string
}

// OrderCandidate is an order the money could pay.
type OrderCandidate struct {
	ID        int64
	Reference string
	Amount    models.Money
	State     string
	BuyerName string
	Why       string
}

// candidateWhyLabels say why a candidate was found.
var candidateWhyLabels = map[string]string{
	"name":            "name matches",
	"phone":           "phone number matches",
	"topup_reference": "their balance's top-up reference",
	"order_number":    "order number",
	"reference":       "payment reference",
	"near_reference":  "reference one typo away from the memo",
	"consignee_phone": "consignee's phone",
	"buyer":           "order of a buyer found",
	"amount":          "awaiting exactly this amount",
}

// CandidateWhy says why a candidate was found, in the reader's language.
func CandidateWhy(ctx context.Context, why string) string {
	if l, ok := candidateWhyLabels[why]; ok {
		return T(ctx, l)
	}
	return why
}

// orderStateLabels name an order's states for operators.
var orderStateLabels = map[string]string{
	"awaiting_payment": "Awaiting payment",
	"paid":             "Paid",
	"shipped":          "Shipped",
	"completed":        "Completed",
	"closed":           "Closed",
}

// OrderStateText names an order's state in the reader's language.
func OrderStateText(ctx context.Context, state string) string {
	if l, ok := orderStateLabels[state]; ok {
		return T(ctx, l)
	}
	return state
}

// SuspenseHref is the suspense page opened on one transfer's search.
func SuspenseHref(txn, q, note string) string {
	v := "/ops/suspense?txn=" + urlq(txn)
	if q != "" {
		v += "&q=" + urlq(q)
	}
	if note != "" {
		v += "&note=" + urlq(note)
	}
	return v + "#suspense-" + domID(txn)
}

// BankEventRow is a stored bank callback, what it says and where its money
// went.
type BankEventRow struct {
	WebhookID   string
	Type        string
	Status      string
	Note        string
	At          time.Time
	Payload     string
	BankTxnID   string
	Amount      *models.Money
	PayerName   string
	PayerAcct   string
	Reference   string
	Outcome     string
	DuplicateOf string
	Where       []MoneyLeg
}

// MoneyLeg is one place a bank event's money went, in words, with a link.
type MoneyLeg struct {
	Kind    string
	Amount  models.Money
	OrderID int64
	UserID  int64
	Name    string
	Account string
	State   string
	Payout  string
}

// eventTypeLabels name the bank's event types.
var eventTypeLabels = map[string]string{
	"transfer.received": "Transfer received",
	"transfer.reversed": "Transfer taken back",
	"payout.succeeded":  "Payout paid",
	"payout.failed":     "Payout failed",
}

// EventTypeText names an event type in the reader's language.
func EventTypeText(ctx context.Context, typ string) string {
	if l, ok := eventTypeLabels[typ]; ok {
		return T(ctx, l)
	}
	if typ == "" {
		return T(ctx, "Unreadable")
	}
	return typ
}

// LegText says in words where one part of an event's money went.
func LegText(ctx context.Context, l MoneyLeg) string {
	who := l.Name
	if who == "" && l.UserID > 0 {
		who = Tf(ctx, "user %d", l.UserID)
	}
	switch l.Kind {
	case "escrow":
		return Tf(ctx, "%s into the escrow of order %d", l.Amount.Display(), l.OrderID)
	case "wallet":
		if l.OrderID > 0 {
			return Tf(ctx, "%s to the balance of %s (for order %d)", l.Amount.Display(), who, l.OrderID)
		}
		return Tf(ctx, "%s to the balance of %s", l.Amount.Display(), who)
	case "suspense":
		switch l.State {
		case "return_requested", "returning":
			return Tf(ctx, "%s in suspense, being paid back to the payer", l.Amount.Display())
		case "returned":
			return Tf(ctx, "%s paid back to the payer", l.Amount.Display())
		case "reversed":
			return Tf(ctx, "%s held in suspense until the bank took it back", l.Amount.Display())
		}
		return Tf(ctx, "%s held in suspense: unmatched", l.Amount.Display())
	case "settlement":
		return Tf(ctx, "%s settled what the phone company owed", l.Amount.Display())
	case "taken_back":
		return Tf(ctx, "%s of it taken back by the bank since", l.Amount.Display())
	case "from_suspense":
		return Tf(ctx, "%s taken back from suspense", l.Amount.Display())
	case "from_escrow":
		return Tf(ctx, "%s taken back from the escrow of order %d", l.Amount.Display(), l.OrderID)
	case "from_refund":
		return Tf(ctx, "%s taken back from the refund on the balance of %s", l.Amount.Display(), who)
	case "from_release":
		return Tf(ctx, "%s taken back from the seller %s and the commission", l.Amount.Display(), who)
	case "from_wallet":
		return Tf(ctx, "%s taken back from the balance of %s", l.Amount.Display(), who)
	case "clawback":
		return Tf(ctx, "%s already spent: owed as a claw-back", l.Amount.Display())
	case "paid_out":
		if l.UserID == 0 {
			return Tf(ctx, "%s paid back to the payer of an unmatched transfer", l.Amount.Display())
		}
		return Tf(ctx, "%s paid out to the bank account of %s", l.Amount.Display(), who)
	case "payout_returned":
		if l.UserID == 0 {
			return Tf(ctx, "%s back in suspense: the return failed", l.Amount.Display())
		}
		return Tf(ctx, "%s back on the money of %s: the payout failed", l.Amount.Display(), who)
	}
	return l.Amount.Display() + " " + l.Kind
}

// LegHref is the page of where one part of an event's money is.
func LegHref(l MoneyLeg) string {
	switch l.Kind {
	case "escrow", "from_escrow":
		return RefLink(fmt.Sprintf("order:%d", l.OrderID))
	case "wallet", "from_wallet", "from_refund":
		if l.UserID > 0 {
			return "/ops/ledger?account=" + urlq(models.WalletAccount(l.UserID))
		}
	case "suspense", "from_suspense":
		return "/ops/suspense"
	case "settlement":
		return "/ops/charges"
	case "clawback":
		return "/ops/clawbacks"
	case "paid_out", "payout_returned":
		return RefLink("payout:" + l.Payout)
	case "from_release":
		return RefLink(fmt.Sprintf("order:%d", l.OrderID))
	}
	return ""
}

// PrettyJSON indents a JSON text for reading; anything else comes back as it is.
func PrettyJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}

// AuditRow is one line of the audit log in words: who did what to what,
// and what changed.
type AuditRow struct {
	ID         int64
	At         time.Time
	Who        string // the actor's name; "" for the system
	Role       string
	ActorID    int64
	Action     string // the code, such as user.freeze
	Target     string
	TargetName string
	Changes    []AuditChange
	IP         string
}

// AuditChange is a field of an audit entry: its value, or before → after.
type AuditChange struct {
	Field  string // the detail's key
	Before string
	After  string
	// Changed: Before → After; otherwise After is the value.
	Changed bool
	// Secret: a value never shown (a password or a PIN).
	Secret bool
}

// auditActionLabels say what each audited action did.
var auditActionLabels = map[string]string{
	"user.register":             "Registered",
	"operator.create":           "Operator created on the command line",
	"user.password_change":      "Changed the login password",
	"user.pay_password_set":     "Set the payment password",
	"user.pay_password_change":  "Changed the payment password",
	"user.pay_locked":           "Payments locked after wrong payment passwords",
	"user.freeze":               "Froze the account",
	"user.unfreeze":             "Unfroze the account",
	"seller.commission":         "Changed the seller's commission",
	"settings.update":           "Changed the settings",
	"flag.resolve":              "Resolved a risk flag",
	"suspense.assign_order":     "Assigned an unmatched transfer to an order",
	"suspense.assign_wallet":    "Assigned an unmatched transfer to a buyer's balance",
	"suspense.mark_return":      "Marked an unmatched transfer for return to the payer",
	"clawback.recover":          "Started recovering a claw-back",
	"clawback.write_off":        "Wrote off a claw-back",
	"recon.run":                 "Ran the reconciliation",
	"recon.clear":               "Cleared a reconciliation break",
	"order.decide":              "Decided a dispute",
	"charge.retry":              "Retried a landline charge",
	"charge.refund_retry":       "Retried a landline refund",
	"charge.refund_to_wallet":   "Refunded a landline charge to the balance",
	"telecom.recon":             "Reconciled the phone company's settlement",
	"advance.cap":               "Changed a seller's advance cap",
	"advance.run":               "Advanced a seller's money",
	"gateway.merchant_approve":  "Approved a merchant",
	"gateway.merchant_freeze":   "Froze a merchant",
	"gateway.merchant_unfreeze": "Unfroze a merchant",
}

// AuditActionText says what an audited action did, in the reader's
// language; an action without words shows its code.
func AuditActionText(ctx context.Context, action string) string {
	if l, ok := auditActionLabels[action]; ok {
		return T(ctx, l)
	}
	return action
}

// AuditActions are the actions with words, sorted by code, for the filter.
func AuditActions() []string {
	out := make([]string, 0, len(auditActionLabels))
	for k := range auditActionLabels {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// auditFieldLabels name the fields audit entries carry.
var auditFieldLabels = map[string]string{
	"reason":                  "Reason",
	"note":                    "Note",
	"resolution":              "What was done",
	"order_id":                "Order",
	"user_id":                 "User",
	"refund_id":               "Refund",
	"amount":                  "Amount",
	"outstanding":             "Still owed",
	"role":                    "Role",
	"app_id":                  "App id",
	"cap":                     "Cap",
	"day":                     "Day",
	"status":                  "Status",
	"breaks":                  "Breaks",
	"charges":                 "Charges",
	"until":                   "Until",
	"by":                      "By",
	"decision":                "Decision",
	"commission":              "Commission",
	"frozen":                  "Frozen",
	"timer.unpaid_close":      "Close unpaid orders after",
	"timer.ship_by":           "Refund orders not shipped within",
	"timer.auto_confirm":      "Confirm shipped orders automatically after",
	"timer.confirm_extend":    "A buyer's one extension",
	"timer.refund_answer":     "Accept unanswered refund requests after",
	"fees.default_commission": "Commission for new sellers (%)",
	"payouts.daily_limit":     "Daily withdrawal limit per person (¥)",
}

// AuditFieldText names a field of an audit entry in the reader's language.
func AuditFieldText(ctx context.Context, field string) string {
	if l, ok := auditFieldLabels[field]; ok {
		return T(ctx, l)
	}
	return field
}

// secretKey matches the names of fields whose values are never shown: an
// entry should not carry them at all, and if one ever does the page hides it.
var secretKey = regexp.MustCompile(`(?i)pass(word)?|pin$|^pin|secret|token|hash|otp|cvv|private`)

// auditChangeOf is what an action changes by itself, when its detail does
// not say (a freeze changes Frozen from no to yes).
var auditChangeOf = map[string]AuditChange{
	"user.freeze":               {Field: "frozen", Before: "no", After: "yes", Changed: true},
	"user.unfreeze":             {Field: "frozen", Before: "yes", After: "no", Changed: true},
	"gateway.merchant_freeze":   {Field: "frozen", Before: "no", After: "yes", Changed: true},
	"gateway.merchant_unfreeze": {Field: "frozen", Before: "yes", After: "no", Changed: true},
}

// auditFieldOf names the one field an action's top-level from/to changes.
var auditFieldOf = map[string]string{"seller.commission": "commission"}

// AuditChanges reads an audit entry's detail: a {"from", "to"} value (or a
// top-level pair) is a change before → after, anything else a value; fields
// named like secrets are hidden. Fields come sorted by name.
func AuditChanges(action string, detail []byte) []AuditChange {
	var out []AuditChange
	if c, ok := auditChangeOf[action]; ok {
		out = append(out, c)
	}
	var m map[string]any
	if len(detail) == 0 || json.Unmarshal(detail, &m) != nil {
		if s := strings.TrimSpace(string(detail)); s != "" && s != "null" && s != "{}" {
			out = append(out, AuditChange{Field: "detail", After: s})
		}
		return out
	}
	if from, ok := m["from"]; ok {
		if to, ok := m["to"]; ok {
			field := auditFieldOf[action]
			if field == "" {
				field = "value"
			}
			out = append(out, AuditChange{Field: field, Before: auditValue(from), After: auditValue(to), Changed: true})
			delete(m, "from")
			delete(m, "to")
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		if secretKey.MatchString(k) {
			out = append(out, AuditChange{Field: k, Secret: true})
			continue
		}
		if pair, ok := v.(map[string]any); ok && len(pair) == 2 {
			from, okF := pair["from"]
			to, okT := pair["to"]
			if okF && okT {
				out = append(out, AuditChange{Field: k, Before: auditValue(from), After: auditValue(to), Changed: true})
				continue
			}
		}
		out = append(out, AuditChange{Field: k, After: auditValue(v)})
	}
	return out
}

// auditValue is a detail's value as text.
func auditValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		if v == "" {
			return "—"
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// AuditValueText shows a value of an audit entry, translating yes and no.
func AuditValueText(ctx context.Context, v string) string {
	if v == "yes" || v == "no" {
		return T(ctx, v)
	}
	return v
}

// AuditFieldValueText shows a field's value: a role by its name, yes and
// no translated, anything else as it is.
func AuditFieldValueText(ctx context.Context, field, v string) string {
	if field == "role" {
		switch v {
		case RoleBuyer, RoleSeller, RoleOperator:
			return T(ctx, roleLabel(v))
		}
	}
	return AuditValueText(ctx, v)
}

// AuditValueHref links a field's value to its page (an order, a user).
func AuditValueHref(field, v string) string {
	switch field {
	case "order_id":
		return RefLink("order:" + v)
	case "user_id":
		return RefLink("user:" + v)
	}
	return ""
}

// AuditTargetHref is the page of an audit entry's target.
func AuditTargetHref(target string) string {
	if h := RefLink(target); h != "" {
		return h
	}
	kind, id, _ := strings.Cut(target, ":")
	switch kind {
	case "seller":
		return RefLink("user:" + id)
	case "flag":
		return "/ops/flags"
	case "recon", "recon_break":
		return "/ops/recon"
	case "settings":
		return "/ops/settings"
	case "charge":
		return "/ops/charges"
	case "settlement":
		return "/ops/charges"
	}
	return ""
}

// auditTargetLabels name the kinds of things actions are done to.
var auditTargetLabels = map[string]string{
	"user":        "User %s",
	"seller":      "Seller %s",
	"order":       "Order %s",
	"bank":        "Bank transaction %s",
	"flag":        "Risk flag %s",
	"clawback":    "Claw-back %s",
	"recon":       "Reconciliation run %s",
	"recon_break": "Reconciliation break %s",
	"charge":      "Landline charge %s",
	"settlement":  "Settlement %s",
	"payout":      "Payout %s",
}

// AuditTargetText names an audit entry's target in words: "User 12 (张伟)".
func AuditTargetText(ctx context.Context, target, name string) string {
	if target == "settings" {
		return T(ctx, "Settings")
	}
	kind, id, ok := strings.Cut(target, ":")
	l, known := auditTargetLabels[kind]
	if !ok || !known {
		return target
	}
	s := Tf(ctx, l, id)
	if name != "" {
		s += " (" + name + ")"
	}
	return s
}
