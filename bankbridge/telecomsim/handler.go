package telecomsim

import (
	"net/http"
	"strings"
	"time"

	"lineescrow/models"
	"lineescrow/views"
)

// Handler serves the simulator under its prefix: the page and its controls,
// and the front-end's API under /v1. Mounted inside the platform, the
// platform's middleware (language, CSRF) applies to the controls; the API is
// exempt from CSRF there like the bank simulator's.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.cfg.Prefix
	mux.HandleFunc("GET "+p+"/{$}", s.page)
	mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p+"/", http.StatusSeeOther) })
	mux.HandleFunc("POST "+p+"/cycles/{cycle}/close", s.control(func(r *http.Request) error {
		_, err := s.CloseCycle(r.PathValue("cycle"))
		return err
	}))
	mux.HandleFunc("POST "+p+"/cycles/{cycle}/settle", s.control(func(r *http.Request) error {
		_, err := s.SettleCycle(r.PathValue("cycle"))
		return err
	}))
	mux.HandleFunc("POST "+p+"/charges/{id}/paid", s.control(func(r *http.Request) error { return s.MarkPaid(r.PathValue("id")) }))
	mux.HandleFunc("POST "+p+"/charges/{id}/overdue", s.control(func(r *http.Request) error { return s.MarkOverdue(r.PathValue("id")) }))
	mux.HandleFunc("POST "+p+"/charges/{id}/write-off", s.control(func(r *http.Request) error { return s.WriteOff(r.PathValue("id")) }))
	mux.HandleFunc("POST "+p+"/advance", s.control(func(*http.Request) error { s.AdvanceTenDays(); return nil }))
	mux.HandleFunc("POST "+p+"/stall", s.control(func(*http.Request) error { s.StallNext(); return nil }))
	mux.HandleFunc("POST "+p+"/cards", s.control(func(r *http.Request) error {
		face, err := models.ParseMoney(r.PostFormValue("face"))
		if err == nil {
			_, err = s.IssueCard(face)
		}
		return err
	}))

	mux.HandleFunc("POST "+p+"/v1/subscribers/lookup", s.api(s.lookup))
	mux.HandleFunc("POST "+p+"/v1/subscribers/verify-holder", s.api(s.verifyHolder))
	mux.HandleFunc("POST "+p+"/v1/verification-calls", s.api(s.verificationCall))
	mux.HandleFunc("POST "+p+"/v1/charges", s.api(s.createCharge))
	mux.HandleFunc("POST "+p+"/v1/charges/{id}/cancel", s.api(s.cancelCharge))
	mux.HandleFunc("POST "+p+"/v1/bill-credits", s.api(s.billCredit))
	mux.HandleFunc("POST "+p+"/v1/cards/redeem", s.api(s.redeemCard))
	mux.HandleFunc("GET "+p+"/v1/cycles/{cycle}/settlement", s.api(s.settlement))
	return withInfo(mux)
}

// withInfo gives the page a language when the simulator runs on its own.
func withInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !views.HasInfo(r.Context()) {
			info := &views.Info{Lang: views.NegotiateLang(r.Header.Get("Accept-Language")), Path: r.URL.RequestURI()}
			if ck, err := r.Cookie("lang"); err == nil && views.ParseLang(ck.Value) != "" {
				info.Lang = views.ParseLang(ck.Value)
			}
			r = r.WithContext(views.WithInfo(r.Context(), info))
		}
		next.ServeHTTP(w, r)
	})
}

// control runs a form's action: back to the page when it worked, the page
// with the reason when it did not.
func (s *Sim) control(act func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if err := act(r); err != nil {
			f := views.NewForm()
			f.Error = views.ErrorText(r.Context(), err)
			status := http.StatusConflict
			switch models.ErrorCode(err) {
			case models.ENOTFOUND:
				status = http.StatusNotFound
			case models.EINVALID:
				status = http.StatusUnprocessableEntity
			}
			s.render(w, r, status, f)
			return
		}
		http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusSeeOther)
	}
}

func (s *Sim) page(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.NewForm())
}

func (s *Sim) render(w http.ResponseWriter, r *http.Request, status int, f *views.Form) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = views.TelecomSimPage(s.vm(f)).Render(r.Context(), w)
}

// vm builds the page's view-model; what each control may do is decided here.
func (s *Sim) vm(f *views.Form) views.TelecomSimVM {
	vm := views.TelecomSimVM{Prefix: s.cfg.Prefix, Form: f, Target: s.cfg.WebhookURL, BankConnected: s.cfg.Bank != nil}
	for _, c := range s.Cycles() {
		vc := views.TelecomSimCycle{Cycle: c.Cycle, State: "open", Charges: c.Charges, Amount: c.Amount, CanClose: !c.Closed}
		switch {
		case c.Settlement != nil:
			vc.State = "settled"
			vc.Reference, vc.Total, vc.Commission, vc.Paid, vc.BankTxnID = c.Settlement.SettlementReference, c.Settlement.TotalCollected,
				c.Settlement.Commission, c.Settlement.Amount, c.Settlement.BankTxnID
		case c.Closed:
			vc.State, vc.CanSettle = "closed", true
		}
		vm.Cycles = append(vm.Cycles, vc)
	}
	for _, l := range s.Lines() {
		vl := views.TelecomSimLine{Phone: l.Phone, PhoneDisplay: Display(l.Phone), Holder: l.Holder, IDNumber: l.IDNumber, Class: l.Class,
			Status: l.Status, Label: l.Label, Tenure: l.TenureMonths, BillingDay: l.BillingDay, InArrears: l.InArrearsNow, Bill: l.Bill,
			LastCode: l.LastCode, CodeAt: l.CodeAt, Checks: l.ChecksToday, ChecksMax: HolderChecksPerDay}
		for _, c := range l.Charges {
			vl.Charges = append(vl.Charges, views.TelecomSimCharge{ID: c.ID, WorkOrderID: c.WorkOrderID, Merchant: c.Merchant, Cycle: c.Cycle,
				Status: c.Status, Amount: c.Amount, LateFee: c.LateFee, Credited: c.Credited, DaysOverdue: c.DaysOverdue,
				CanPay: c.Status == StatusBilled || c.Status == StatusOverdue, CanOverdue: c.Status == StatusBilled,
				CanWriteOff: c.Status == StatusBilled || c.Status == StatusOverdue})
		}
		vm.Lines = append(vm.Lines, vl)
	}
	today := s.cfg.Now().In(models.Shanghai).Format("2006-01-02")
	for _, c := range s.Cards() {
		state := "available"
		switch {
		case c.Used:
			state = "used"
		case today > c.Expires:
			state = "expired"
		}
		vm.Cards = append(vm.Cards, views.TelecomSimCard{Number: c.Number, PIN: c.PIN, Face: c.Face, Expires: c.Expires, State: state})
	}
	for _, d := range s.Deliveries() {
		next := ""
		if d.Status == "queued" || d.Status == "retrying" {
			next = d.Next.UTC().Format(time.RFC3339)
		}
		vm.Deliveries = append(vm.Deliveries, views.SimDelivery{ID: d.ID, Type: d.Type, Status: d.Status, Attempts: d.Attempts, Last: d.Last, Next: next})
	}
	return vm
}

// Display writes a landline as people read it: "0530-5551234" for the
// digits "05305551234" (a four-digit area code), the digits otherwise.
func Display(phone string) string {
	if len(phone) == 11 && strings.HasPrefix(phone, "0") && !strings.HasPrefix(phone, "01") && !strings.HasPrefix(phone, "02") {
		return phone[:4] + "-" + phone[4:]
	}
	if len(phone) >= 10 && (strings.HasPrefix(phone, "01") || strings.HasPrefix(phone, "02")) {
		return phone[:3] + "-" + phone[3:]
	}
	return phone
}
