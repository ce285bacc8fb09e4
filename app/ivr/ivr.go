package ivr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"lineescrow/app/auth"
	"lineescrow/app/orders"
	"lineescrow/app/telecom"
	"lineescrow/bankbridge"
	"lineescrow/models"
)

// Paths the hotline serves.
const (
	StartPath = "/ivr/start"
	StepPath  = "/ivr/step"
)

// MaxPINFailures is how many wrong payment passwords end a call.
const MaxPINFailures = 3

// Service is the hotline: it answers the IVR platform's requests with
// VoiceXML documents.
type Service struct {
	DB      *gorm.DB
	Auth    *auth.Service
	Orders  *orders.Service
	Telecom *telecom.Service
	// Key signs the call state handed to the platform.
	Key []byte
	// Platforms are the IVR platform's addresses; WebhookKey its Standard
	// Webhooks key (nil: not accepted). A request from neither is refused.
	Platforms  []*net.IPNet
	WebhookKey []byte
	// AgentNumber is where 0 transfers the caller (a tel: URI).
	AgentNumber string
	// Flows are the menus other packages serve, by key: "3" pays a shop,
	// "6" transfers to another account, "8" pays a bill. A key without a flow says "not available yet".
	Flows map[string]Flow
	Log   *slog.Logger
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

type clientIPKey struct{}

// WithClientIP records in ctx the client address the web layer determined
// (the TCP peer, or what a trusted proxy says).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func clientIP(r *http.Request) net.IP {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return net.ParseIP(ip)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return net.ParseIP(host)
}

// trusted reads the request's form after checking it comes from the IVR
// platform: from one of its addresses, or carrying a valid Standard
// Webhooks signature over the raw body.
func (s *Service) trusted(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	ok := false
	if ip := clientIP(r); ip != nil {
		for _, n := range s.Platforms {
			if n.Contains(ip) {
				ok = true
			}
		}
	}
	if !ok && len(s.WebhookKey) > 0 && r.Header.Get("webhook-signature") != "" {
		if _, err := bankbridge.Verify(s.WebhookKey, r.Header, body, s.now()); err == nil {
			ok = true
		}
	}
	if !ok {
		return nil, errNotPlatform
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errBadForm
	}
	return form, nil
}

var (
	errNotPlatform = errors.New("not from the IVR platform")
	// errBadForm: the platform's body is no form (answered 400, not as a
	// stranger's 403). The parser's message is not kept: it quotes the body.
	errBadForm = errors.New("malformed form")
)

// ServeHTTP answers POST /ivr/start and POST /ivr/step. Nothing the caller
// typed is logged: errors are logged with the call's number only.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != StartPath && r.URL.Path != StepPath) {
		http.NotFound(w, r)
		return
	}
	form, err := s.trusted(r)
	if errors.Is(err, errBadForm) {
		s.log().WarnContext(r.Context(), "ivr request refused", "reason", err.Error())
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	if err != nil {
		s.log().WarnContext(r.Context(), "ivr request refused", "reason", err.Error())
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var d *document
	if r.URL.Path == StartPath {
		d, err = s.start(r.Context(), form)
	} else {
		d, err = s.step(r.Context(), form)
	}
	if errors.Is(err, errBadState) {
		http.Error(w, "bad call state", http.StatusBadRequest)
		return
	}
	if err != nil {
		s.log().ErrorContext(r.Context(), "ivr step failed", "err", err.Error())
		d = &document{}
		d.add(el("form", "id", "fail").add(el("block").add(prompt(sayFailure), el("disconnect"))))
	}
	w.Header().Set("Content-Type", "application/voicexml+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(d.bytes())
}

// CallerNumber normalises the calling number the platform delivers
// ("05305552001", "+86 530 5552001", "+86 0530 5552001", "tel:+865305552001",
// "sip:+865305552001@gw") to the digits of a domestic number. Normalising
// its result again changes nothing.
func CallerNumber(ani string) string {
	ani = strings.TrimSpace(ani)
	for _, scheme := range []string{"tel:", "sip:"} {
		if len(ani) >= len(scheme) && strings.EqualFold(ani[:len(scheme)], scheme) {
			ani = strings.TrimSpace(ani[len(scheme):])
		}
	}
	ani, _, _ = strings.Cut(ani, "@")
	var b strings.Builder
	for _, r := range ani {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	n := b.String()
	plus := strings.HasPrefix(ani, "+") && strings.HasPrefix(n, "86")
	if !plus && !strings.HasPrefix(n, "0086") {
		return n
	}
	if plus {
		n = n[2:]
	}
	for strings.HasPrefix(n, "0086") {
		n = n[4:]
	}
	// A mobile number starts with 1; a landline gets its trunk 0 back,
	// unless it was written with it ("+86 0530…").
	if n != "" && n[0] != '1' && n[0] != '0' {
		n = "0" + n
	}
	return n
}

// Caller is who is on the line: the account the calling landline is bound to.
type Caller struct {
	Call  int64
	Phone string // digits
	Actor models.Actor
}

// start answers a new call: the calling number (form field ani, the
// platform's session.callerid) must be a landline bound to an account.
func (s *Service) start(ctx context.Context, form url.Values) (*document, error) {
	phone := CallerNumber(form.Get("ani"))
	var userID *int64
	if phone != "" {
		var ids []int64
		if err := s.DB.WithContext(ctx).Raw(`SELECT user_id FROM landlines WHERE phone = ? AND state = ? LIMIT 1`,
			phone, models.LineBound).Scan(&ids).Error; err != nil {
			return nil, fmt.Errorf("ivr start: %w", err)
		}
		if len(ids) == 1 {
			userID = &ids[0]
		}
	}
	var callID int64
	if err := s.DB.WithContext(ctx).Raw(`INSERT INTO ivr_calls (phone, user_id, platform_call, started_at) VALUES (?, ?, ?, ?) RETURNING id`,
		phone, userID, truncate(form.Get("call_id"), 100), s.now()).Scan(&callID).Error; err != nil {
		return nil, fmt.Errorf("ivr start: %w", err)
	}
	d := &document{}
	if userID == nil {
		if err := s.end(ctx, callID, "unbound"); err != nil {
			return nil, err
		}
		d.add(el("form", "id", "unbound").add(el("block").add(prompt(sayUnbound), el("disconnect"))))
		return d, nil
	}
	d.add(el("form", "id", "hello").add(el("block").add(prompt(sayWelcome), el("goto", "next", "#main"))))
	s.menu(d, callID)
	return d, nil
}

// step answers a submit: the signed state says where the call is.
func (s *Service) step(ctx context.Context, form url.Values) (*document, error) {
	st, err := s.open(form.Get("s"))
	if err != nil {
		return nil, err
	}
	c, ended, err := s.caller(ctx, st.Call)
	if err != nil {
		return nil, err
	}
	d := &document{}
	if ended {
		d.add(el("form", "id", "ended").add(el("block").add(el("disconnect"))))
		return d, nil
	}
	in := func(name string) string { return form.Get(name) }
	switch st.Kind {
	case "agent":
		return s.agent(ctx, c)
	case "flow":
		if st.Step == "" {
			if err := s.at(ctx, c.Call, st.Flow); err != nil {
				return nil, err
			}
		}
		f := s.flow(st.Flow)
		if f == nil {
			return s.say(d, c, sayNotYet), nil
		}
		vals := Data{}
		for _, n := range st.In {
			vals[n] = in(n)
		}
		r, err := f.Step(ctx, c, st.Step, st.Data, vals)
		return s.answer(ctx, d, c, st, r, err)
	case "confirm":
		if in("ok") != "1" {
			return s.say(d, c, sayCancelled), nil
		}
		s.askPIN(d, c, st, "")
		return d, nil
	case "pin":
		f := s.flow(st.Flow)
		if f == nil {
			return s.say(d, c, sayNotYet), nil
		}
		pin := in("pin")
		if len(pin) != 6 || strings.Trim(pin, "0123456789") != "" {
			s.askPIN(d, c, st, sayPINLength)
			return d, nil
		}
		r, err := f.Commit(ctx, c, st.Data, pin)
		return s.answer(ctx, d, c, st, r, err)
	}
	return nil, errBadState
}

// answer turns a flow's reply (or refusal) into the next document.
func (s *Service) answer(ctx context.Context, d *document, c Caller, st state, r Reply, err error) (*document, error) {
	if err != nil {
		e := models.AsError(err)
		if e == nil {
			return nil, err
		}
		if wrongPIN(e) {
			n, err := s.strike(ctx, c.Call)
			if err != nil {
				return nil, err
			}
			if n >= MaxPINFailures {
				if err := s.end(ctx, c.Call, "pin_failures"); err != nil {
					return nil, err
				}
				d.add(el("form", "id", "bye").add(el("block").add(prompt(sayTooManyPINs), el("disconnect"))))
				return d, nil
			}
			if st.Kind == "pin" {
				s.askPIN(d, c, st, sayWrongPIN)
				return d, nil
			}
			return s.say(d, c, sayWrongPIN), nil
		}
		if e.Code == models.ELOCKED {
			if err := s.end(ctx, c.Call, "locked"); err != nil {
				return nil, err
			}
			d.add(el("form", "id", "bye").add(el("block").add(prompt(sayLocked), el("disconnect"))))
			return d, nil
		}
		return s.say(d, c, refusal(e)), nil
	}
	switch {
	case r.End:
		if err := s.end(ctx, c.Call, "done"); err != nil {
			return nil, err
		}
		d.add(el("form", "id", "bye").add(el("block").add(prompt(r.Say+sayGoodbye), el("disconnect"))))
		return d, nil
	case r.Ask != nil:
		f := el("form", "id", "ask").add(stateVar(s.seal(state{Call: c.Call, Kind: "flow", Flow: st.Flow, Step: r.Ask.Step,
			In: fieldNames(r.Ask.Fields), Data: r.Data})))
		if r.Say != "" {
			f.add(el("block").add(prompt(r.Say)))
		}
		for _, fd := range r.Ask.Fields {
			f.add(digitsField(fd.Name, fd.Prompt, fd.Min, fd.Max))
		}
		f.add(el("filled").add(submit(fieldNames(r.Ask.Fields)...)))
		d.add(f)
		s.menu(d, c.Call)
		return d, nil
	case r.Confirm != nil:
		tok := s.seal(state{Call: c.Call, Kind: "confirm", Flow: st.Flow, Data: r.Data})
		text := r.Say + fmt.Sprintf(sayConfirm, r.Confirm.What, Amount(r.Confirm.Amount), r.Confirm.Counterparty)
		d.add(el("form", "id", "confirm").add(stateVar(tok),
			digitsField("ok", text, 1, 1),
			el("filled").add(el("if", "cond", "ok == '1'").add(submit("ok"), el("else"), prompt(sayCancelled), el("goto", "next", "#main")))))
		s.menu(d, c.Call)
		return d, nil
	}
	return s.say(d, c, r.Say), nil
}

// askPIN asks for the payment password of the step st confirmed.
func (s *Service) askPIN(d *document, c Caller, st state, before string) {
	tok := s.seal(state{Call: c.Call, Kind: "pin", Flow: st.Flow, Data: st.Data})
	f := el("form", "id", "pin").add(stateVar(tok))
	if before != "" {
		f.add(el("block").add(prompt(before)))
	}
	f.add(digitsField("pin", sayEnterPIN, 6, 6), el("filled").add(submit("pin")))
	d.add(f)
	s.menu(d, c.Call)
}

// say speaks text and goes back to the main menu.
func (s *Service) say(d *document, c Caller, text string) *document {
	b := el("block")
	if text != "" {
		b.add(prompt(text))
	}
	d.add(el("form", "id", "say").add(b.add(el("goto", "next", "#main"))))
	s.menu(d, c.Call)
	return d
}

// menu adds the main menu and a form per choice that submits its state.
func (s *Service) menu(d *document, call int64) {
	m := el("menu", "id", "main").add(prompt(sayMenu))
	var forms []*node
	for _, item := range menuItems {
		m.add(el("choice", "dtmf", item.key, "next", "#k"+item.key))
		kind := "flow"
		if item.key == "0" {
			kind = "agent"
		}
		forms = append(forms, el("form", "id", "k"+item.key).add(
			stateVar(s.seal(state{Call: call, Kind: kind, Flow: item.key})),
			el("block").add(submit())))
	}
	d.add(m)
	d.add(forms...)
}

// agent hands the caller to a person, recording where they were.
func (s *Service) agent(ctx context.Context, c Caller) (*document, error) {
	if err := s.DB.WithContext(ctx).Exec(`UPDATE ivr_calls SET transferred_at = ?, ended_at = ?, end_reason = 'agent' WHERE id = ?`,
		s.now(), s.now(), c.Call).Error; err != nil {
		return nil, fmt.Errorf("ivr agent: %w", err)
	}
	d := &document{}
	d.add(el("form", "id", "agent").add(el("block").add(prompt(sayAgent), el("transfer", "name", "agent", "dest", s.AgentNumber, "bridge", "true"))))
	return d, nil
}

func fieldNames(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func wrongPIN(e *models.Error) bool {
	if e.Code != models.EINVALID {
		return false
	}
	// auth's answer to a wrong payment password (counted towards its lockout).
	if strings.HasPrefix(e.Format, "Wrong payment password") {
		return true
	}
	for _, p := range e.Fields {
		if wrongPIN(p) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
