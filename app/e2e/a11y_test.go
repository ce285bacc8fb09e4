package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// axe-core 4.14.1 (Deque Systems, MPL-2.0: testdata/axe.LICENSE), the
// accessibility engine browsers' own audits use, compressed.
//
//go:embed testdata/axe.min.js.gz
var axeGz []byte

func axeSource(t *testing.T) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(axeGz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// axeViolation is one rule a page breaks, with the elements that break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
		HTML    string `json:"html"`
	} `json:"nodes"`
}

// axeCheck runs axe-core on the page the browser shows, against WCAG 2.1 A
// and AA (labels, names, contrast, structure, ARIA) and axe's best
// practices, and fails the test for every serious or critical violation.
func axeCheck(t *testing.T, ctx context.Context, src, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined" || (function(){`+src+`; return true})()`)); err != nil {
		t.Fatalf("%s: inject axe-core: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
		resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe-core's answer: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("… and %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprintf("%v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s: %s (%s): %s\n    %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n    "))
	}
}

// focusCheck tabs to the page's first control and checks that the browser
// shows where the focus is: an outline or a ring that is not the page's
// background.
func focusCheck(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const links = [...document.querySelectorAll("a[href], button, input, select, textarea")].filter(e => e.offsetParent !== null);
		if (!links.length) return "no control";
		links[0].focus({focusVisible: true});
		const e = document.activeElement;
		if (e !== links[0]) return "the first control takes no focus";
		const s = getComputedStyle(e);
		const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
		return ring ? "" : "no focus ring on " + e.outerHTML.slice(0, 120);
	})()`))
	if err != nil {
		t.Fatalf("%s: focus: %v", page, err)
	}
	if got != "" {
		t.Errorf("%s: %s", page, got)
	}
}

// Every main page of the three portals and the public pages, on a phone in
// English (and the busiest of them on a desktop in Chinese), passes axe-core's WCAG 2.1 AA and
// best-practice rules with no serious or critical violation, and shows
// where the keyboard focus is.
func TestMainPagesAreAccessible(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	src := axeSource(t)
	l := a.Listing("88.00", 5)
	unpaid := a.Checkout(a.Buyer, l, 1)
	shipped := a.Checkout(a.Buyer, l, 1)
	a.Credit(shipped.Amount.String(), shipped.PayReference)
	if _, err := a.Orders.Ship(a.Ctx, a.Seller.Actor(), shipped.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if o := a.Order(shipped.ID); o.State != models.Shipped {
		t.Fatalf("the shipped order is %s", o.State)
	}

	// Every page on a phone in English; the pages with the most layout
	// (both) also on a desktop in Chinese. Each axe run costs a second or
	// more on this machine, so the second pass is not repeated for all.
	type visit struct {
		who, path string
		both      bool
	}
	pages := []visit{
		{"", "/", true}, {"", "/login", false}, {"", "/register", false}, {"", "/register?role=seller", false},
		{"", fmt.Sprintf("/listings/%d", l.ID), true},
		{"buyer", "/orders", true}, {"buyer", fmt.Sprintf("/orders/%d", unpaid.ID), false}, {"buyer", fmt.Sprintf("/orders/%d", shipped.ID), true},
		{"buyer", "/wallet", true}, {"buyer", "/notifications", false}, {"buyer", "/buyer/addresses", false}, {"buyer", "/account", false},
		{"buyer", "/account/pay-password", false}, {"buyer", "/landline", false},
		{"buyer", "/bills?biller=power&account=3701000101", true}, {"buyer", "/transfers?number=13900139000&amount=10.00", false},
		{"seller", "/seller", true}, {"seller", "/seller/orders", false}, {"seller", fmt.Sprintf("/seller/orders/%d", shipped.ID), true},
		{"seller", "/seller/listings", false}, {"seller", "/seller/listings/new", false}, {"seller", "/seller/money", true}, {"seller", "/seller/gateway", false},
		{"operator", "/ops", true}, {"operator", "/ops/orders", false}, {"operator", fmt.Sprintf("/ops/orders/%d", shipped.ID), true},
		{"operator", "/ops/suspense", false}, {"operator", "/ops/events", true}, {"operator", "/ops/audit", false}, {"operator", "/ops/books", true},
		{"operator", "/ops/users", false}, {"operator", "/ops/payouts", false}, {"operator", "/ops/disputes", false}, {"operator", "/ops/recon", false},
		{"operator", "/ops/settings", false}, {"operator", "/ops/billers", false},
	}
	logins := map[string]string{"buyer": a.Buyer.Login, "seller": a.Seller.Login, "operator": a.Operator.Login}

	for _, lang := range []struct {
		code          string
		width, height int64
	}{{"en", 375, 812}, {"zh", 1280, 900}} {
		// Each person in a browser of their own: a browser's session is
		// bounded in time, and a busy machine is slow.
		var ctx context.Context
		open := func(who string) {
			if ctx != nil {
				_ = chromedp.Cancel(ctx) // close the last person's browser
			}
			ctx = browser(t)
			run(t, ctx, "window", chromedp.EmulateViewport(lang.width, lang.height), chromedp.Navigate(a.URL+"/lang?to="+lang.code+"&next=/"),
				visible(`body`))
			if who != "" {
				a.login(t, ctx, logins[who], ptest.Password)
			}
		}
		open("")
		// A form showing its errors: each beside its field, named by it.
		run(t, ctx, "a failed sign-in", chromedp.Navigate(a.URL+"/login"),
			fill(map[string]string{"login": a.Buyer.Login, "password": "not the password"}),
			click(`[data-testid="login-submit"]`), visible(`.error`))
		axeCheck(t, ctx, src, "/login with its error, "+lang.code)
		signedIn := ""
		for _, p := range pages {
			if lang.code != "en" && !p.both {
				continue
			}
			if p.who != signedIn {
				open(p.who)
				signedIn = p.who
			}
			name := fmt.Sprintf("%s %s at %d px, %s", p.who, p.path, lang.width, lang.code)
			run(t, ctx, "open "+name, chromedp.Navigate(a.URL+p.path), visible(`main`))
			axeCheck(t, ctx, src, name)
			focusCheck(t, ctx, name)
			if lang.width == 375 {
				// On a phone nothing scrolls sideways but what says so: the
				// menu and the tables scroll inside themselves.
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
					if (document.documentElement.scrollWidth <= window.innerWidth) return "";
					// The culprits: too wide, and not inside something that
					// scrolls or clips by itself.
					const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
						if (getComputedStyle(a).overflowX !== "visible") return true; } return false; };
					const out = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e));
					return out.slice(0, 3).map(e => e.outerHTML.slice(0, 160)).join("\n") || "(outside main)";
				})()`))
				if err != nil || wide != "" {
					t.Errorf("%s: the page scrolls sideways (%v):\n%s", name, err, wide)
				}
			}
			if lang.width == 375 && p.path == "/ops" {
				cue, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
					const n = document.querySelector('[data-testid="nav"]');
					if (n.scrollWidth <= n.clientWidth) return "the operator's menu fits: nothing to show";
					const s = getComputedStyle(n);
					if (s.overflowX !== "auto" || !s.backgroundImage.includes("radial-gradient")) return "no scroll shadow: " + s.overflowX + " " + s.backgroundImage.slice(0, 80);
					return "";
				})()`))
				if err != nil || cue != "" {
					t.Errorf("%s: the menu does not show that it scrolls: %s %v", name, cue, err)
				}
			}
		}
	}
}
