package banksim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"lineescrow/models"
	"lineescrow/views"
)

// Handler serves the simulator under its prefix: the page and its forms, and
// the bank's API (/v1/payouts, /v1/statements/{date}). Mounted inside the
// platform, the platform's middleware (language, CSRF) applies to the forms.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.cfg.Prefix
	mux.HandleFunc("GET "+p+"/{$}", s.page)
	mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p+"/", http.StatusSeeOther) })
	mux.HandleFunc("POST "+p+"/transfer", s.transferForm)
	mux.HandleFunc("POST "+p+"/reverse/{txn}", s.reverseForm)
	mux.HandleFunc("POST "+p+"/v1/payouts", s.handlePayout)
	mux.HandleFunc("GET "+p+"/v1/statements/{date}", s.statement)
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

func (s *Sim) vm(f *views.Form, sw views.SimSwitches) views.SimVM {
	vm := views.SimVM{Prefix: s.cfg.Prefix, Form: f, Switches: sw, Balance: s.Balance(), Target: s.cfg.WebhookURL}
	for _, c := range s.Credits() {
		sc := views.SimCredit{TxnID: c.TxnID, Amount: c.Amount, Memo: c.Memo, Payer: c.Name, At: c.At, Reversed: c.Reversed}
		vm.Credits = append(vm.Credits, sc)
		if c.TxnID == f.Get("sent") {
			vm.Sent = &sc
		}
	}
	for _, d := range s.Deliveries() {
		n, _ := strconv.Atoi(d[3])
		vm.Deliveries = append(vm.Deliveries, views.SimDelivery{ID: d[0], Type: d[1], Status: d[2], Attempts: n, Last: d[4], Next: d[5]})
	}
	for _, p := range s.Payouts() {
		vm.Payouts = append(vm.Payouts, views.SimPayout{ID: p.PayoutID, Amount: p.Amount, Account: p.BeneficiaryAccount, Name: p.BeneficiaryName, Status: p.Status})
	}
	return vm
}

func render(w http.ResponseWriter, r *http.Request, status int, vm views.SimVM) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = views.SimPage(vm).Render(r.Context(), w)
}

// page shows the simulator; query parameters prefill the transfer form (the
// platform's checkout links here with the amount and reference).
func (s *Sim) page(w http.ResponseWriter, r *http.Request) {
	f := views.NewForm()
	q := r.URL.Query()
	f.Values["payer_account"] = firstNonEmpty(q.Get("payer_account"), "6222020200112233")
	name := "张伟"
	if v := views.InfoOf(r.Context()).Viewer; v != nil && v.Name != "" {
		name = v.Name // mounted in the platform: the signed-in person pays
	}
	f.Values["payer_name"] = firstNonEmpty(q.Get("payer_name"), name)
	f.Values["amount"] = q.Get("amount")
	f.Values["memo"] = q.Get("memo")
	f.Values["back"] = localPath(q.Get("back"))
	f.Values["sent"] = q.Get("sent")
	render(w, r, http.StatusOK, s.vm(f, views.SimSwitches{}))
}

// localPath is p when it is a path on this site (the page to go back to),
// else "".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	return p
}

func (s *Sim) transferForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := views.FormFrom(r.PostForm)
	sw := views.SimSwitches{Duplicate: r.PostForm.Get("duplicate") != "", Reorder: r.PostForm.Get("reorder") != "",
		BadSignature: r.PostForm.Get("bad_signature") != ""}
	sw.DelaySeconds, _ = strconv.Atoi(r.PostForm.Get("delay"))
	if sw.DelaySeconds < 0 || sw.DelaySeconds > 3600 {
		sw.DelaySeconds = 0
	}
	amount, err := models.ParseAmount(strings.TrimSpace(r.PostForm.Get("amount")), models.MustParseMoney("1000000.00"))
	account := strings.TrimSpace(r.PostForm.Get("payer_account"))
	name := strings.TrimSpace(r.PostForm.Get("payer_name"))
	if err != nil {
		f.Errors["amount"] = views.ErrorText(r.Context(), err)
	}
	if len(account) < 8 || strings.Trim(account, "0123456789") != "" {
		f.Errors["payer_account"] = views.T(r.Context(), "Enter the payer's account number (digits).")
	}
	if name == "" {
		f.Errors["payer_name"] = views.T(r.Context(), "This field is required.")
	}
	if len(f.Errors) > 0 {
		render(w, r, http.StatusUnprocessableEntity, s.vm(f, sw))
		return
	}
	c := s.Transfer(TransferInput{Account: account, Name: name, Memo: strings.TrimSpace(r.PostForm.Get("memo")), Amount: amount,
		Faults: Faults{Duplicate: sw.Duplicate, Reorder: sw.Reorder, BadSignature: sw.BadSignature, Delay: time.Duration(sw.DelaySeconds) * time.Second}})
	// Back to the page, saying the transfer was sent, with the way back to
	// the order it paid when it came from one.
	q := url.Values{"sent": {c.TxnID}}
	if back := localPath(r.PostForm.Get("back")); back != "" {
		q.Set("back", back)
	}
	http.Redirect(w, r, s.cfg.Prefix+"/?"+q.Encode(), http.StatusSeeOther)
}

func (s *Sim) reverseForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Reverse(r.PathValue("txn"), "recalled by the payer's bank", Faults{}); err != nil {
		f := views.NewForm()
		f.Error = err.Error()
		render(w, r, http.StatusConflict, s.vm(f, views.SimSwitches{}))
		return
	}
	http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusSeeOther)
}

func (s *Sim) statement(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.cfg.APIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	day, err := time.Parse("2006-01-02", r.PathValue("date"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_date"})
		return
	}
	writeJSON(w, http.StatusOK, s.Statement(day))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
