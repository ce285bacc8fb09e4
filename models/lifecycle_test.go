package models

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var allStatuses = join(awaiting, anyActive, st(Completed), st(Closed))

func actorOf(p Party) Actor {
	switch p {
	case ByBuyer:
		return buyer
	case BySeller:
		return seller
	case ByOperator:
		return operator
	case ByMerchant:
		return merchant
	}
	return system
}

// TestAllowedIsWhatApplyAllows: for every status and every party, the
// actions Allowed lists are exactly those Apply accepts with good parameters.
func TestAllowedIsWhatApplyAllows(t *testing.T) {
	frozenBuyer := buyer
	frozenBuyer.Frozen = true
	for _, from := range allStatuses {
		o := orderIn(from.State, from.Refund)
		for _, who := range []Actor{buyer, seller, merchant, operator, system, frozenBuyer, {UserID: 11, Role: RoleBuyer}, {}} {
			allowed := Allowed(o, who)
			for _, a := range AllActions {
				c := command(a)
				c.Actor = who
				_, err := Apply(o, c)
				if allowed[a] != (err == nil) {
					t.Errorf("%s by %+v in %s: allowed %v, Apply says %v", a, who, from, allowed[a], err)
				}
			}
		}
	}
	if len(Allowed(orderIn(Paid, RefundNone), Actor{})) != 0 {
		t.Fatal("the zero actor may do something")
	}
}

func TestEveryActionHasOneRowAndEveryTimerAnAction(t *testing.T) {
	seen := map[Action]int{}
	for _, tr := range Lifecycle {
		seen[tr.Action]++
	}
	for _, a := range AllActions {
		if seen[a] != 1 {
			t.Errorf("%s has %d rows", a, seen[a])
		}
	}
	for _, k := range []TimerKind{TimerUnpaidClose, TimerShipBy, TimerAutoConfirm, TimerRefundAnswer} {
		if _, ok := TimerAction(k); !ok {
			t.Errorf("timer %s takes no action", k)
		}
	}
}

// variants are the commands that show every way an action can end: a full
// and a partial refund or recall, each decision.
func variants(a Action, o Order) []Command {
	c := command(a)
	switch a {
	case ActReverse, ActMerchantRefund:
		full := c
		full.Amount = o.Held
		return []Command{c, full}
	case ActDecide:
		var out []Command
		for _, d := range []Decision{DecideRelease, DecideRefund, DecideSplit} {
			x := c
			x.Decision = d
			out = append(out, x)
		}
		return out
	}
	return []Command{c}
}

// diagram draws the lifecycle as a Mermaid state diagram: an edge for every
// status a row's effect leads to from every status it applies in. Finished
// orders are drawn without their refund overlay.
func diagram(t *testing.T) string {
	id := func(s Status) string {
		if s.State == Completed || s.State == Closed {
			return string(s.State)
		}
		return strings.ReplaceAll(s.String(), "/", "_")
	}
	edges := map[string][]string{}
	var keys []string
	for _, tr := range Lifecycle {
		who := make([]string, len(tr.By))
		for i, p := range tr.By {
			who[i] = string(p)
		}
		label := string(tr.Action) + " (" + strings.Join(who, ", ") + ")"
		if tr.Timer != TimerNone {
			label = string(tr.Action) + " (timer " + string(tr.Timer) + ")"
		}
		var orders []Order
		for _, from := range tr.From {
			o := orderIn(from.State, from.Refund)
			orders = append(orders, o)
			if from.Refund == RefundRequested { // accepted in full, not only in part
				o.RefundAmount = o.Held
				orders = append(orders, o)
			}
		}
		for _, o := range orders {
			from := Status{o.State, o.Refund}
			for _, c := range variants(tr.Action, o) {
				c.Actor = actorOf(tr.By[0])
				s, err := Apply(o, c)
				if err != nil {
					t.Fatalf("%s from %s: %v", tr.Action, from, err)
				}
				to := Status{s.Order.State, s.Order.Refund}
				if to == from {
					continue // a partial recall or an extension: the status stays
				}
				k := id(from) + " --> " + id(to)
				if _, ok := edges[k]; !ok {
					keys = append(keys, k)
				}
				if l := edges[k]; len(l) == 0 || l[len(l)-1] != label {
					edges[k] = append(edges[k], label)
				}
			}
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("```mermaid\nstateDiagram-v2\n    [*] --> awaiting_payment: checkout\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %s\n", k, strings.Join(edges[k], "; "))
	}
	b.WriteString("    completed --> [*]\n    closed --> [*]\n```\n")
	return b.String()
}

// TestREADMEDiagramIsCurrent keeps the README's lifecycle diagram drawn from
// the table. UPDATE_DIAGRAM=1 rewrites it.
func TestREADMEDiagramIsCurrent(t *testing.T) {
	const start, end = "<!-- lifecycle diagram: generated from models.Lifecycle by models/lifecycle_test.go -->\n", "<!-- end of lifecycle diagram -->"
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no lifecycle diagram section (%q … %q)", strings.TrimSpace(start), end)
	}
	want := diagram(t)
	if got := readme[i+len(start) : j]; got != want {
		if os.Getenv("UPDATE_DIAGRAM") != "" {
			if err := os.WriteFile("../README.md", []byte(readme[:i+len(start)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("the README's lifecycle diagram is stale: run UPDATE_DIAGRAM=1 go test ./models -run TestREADMEDiagramIsCurrent")
	}
}
