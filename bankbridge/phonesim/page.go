package phonesim

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"lineescrow/views"
)

// Phone is one line the page can call from.
type Phone struct {
	Number string // digits
	Label  string
}

// Page is the browser phone at Prefix (/sim/phone/ in the demo): choose the
// calling line, dial, press keys, read the transcript. It works without
// JavaScript (every key is a form post). Mounted inside the platform, the
// platform's middleware gives it the language and the CSRF token.
type Page struct {
	Sim    *Sim
	Prefix string
	Phones []Phone
	// Voice speaks the prompts as audio; nil: text only.
	Voice *Voice

	mu    sync.Mutex
	calls map[string]*Call
	order []string
	said  map[string]string // prompt texts shown, by Key, for /audio/
}

// MaxCalls is how many calls the page keeps; the oldest is forgotten.
const MaxCalls = 200

const cookie = "phonesim_call"

// ServeHTTP serves the page and its controls.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == p.Prefix || r.URL.Path == p.Prefix+"/"):
		p.render(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, p.Prefix+"/audio/") && p.Voice != nil:
		p.audio(w, r, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, p.Prefix+"/audio/"), ".wav"))
	case r.Method == http.MethodPost && r.URL.Path == p.Prefix+"/dial":
		from := r.PostFormValue("from")
		ok := false
		for _, ph := range p.Phones {
			ok = ok || ph.Number == from
		}
		if ok {
			c := p.Sim.Dial(from)
			id := p.keep(c)
			http.SetCookie(w, &http.Cookie{Name: cookie, Value: id, Path: p.Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		http.Redirect(w, r, p.Prefix+"/", http.StatusSeeOther)
	case r.Method == http.MethodPost && r.URL.Path == p.Prefix+"/press":
		if c := p.current(r); c != nil {
			keys := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '*' || r == '#' {
					return r
				}
				return -1
			}, r.PostFormValue("key")+r.PostFormValue("keys"))
			if keys != "" {
				c.Press(keys)
			}
		}
		http.Redirect(w, r, p.Prefix+"/", http.StatusSeeOther)
	case r.Method == http.MethodPost && r.URL.Path == p.Prefix+"/hangup":
		if c := p.current(r); c != nil {
			c.Hangup()
		}
		http.Redirect(w, r, p.Prefix+"/", http.StatusSeeOther)
	default:
		http.NotFound(w, r)
	}
}

func (p *Page) keep(c *Call) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls = map[string]*Call{}
	}
	p.calls[id] = c
	p.order = append(p.order, id)
	if len(p.order) > MaxCalls {
		delete(p.calls, p.order[0])
		p.order = p.order[1:]
	}
	return id
}

func (p *Page) current(r *http.Request) *Call {
	ck, err := r.Cookie(cookie)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[ck.Value]
}

// audio serves a prompt shown on the page, spoken.
func (p *Page) audio(w http.ResponseWriter, r *http.Request, key string) {
	p.mu.Lock()
	text, ok := p.said[key]
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	path, err := p.Voice.WAV(r.Context(), text)
	if err != nil {
		http.Error(w, "speech synthesis failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFile(w, r, path)
}

// line is a transcript line on the page, with its audio when spoken.
type line struct {
	Line
	Audio    string
	Autoplay bool
}

type pageVM struct {
	T      func(string) string
	Prefix string
	CSRF   string
	Lang   string
	Phones []Phone
	Call   *Call
	Lines  []line
	Keys   []string
}

func (p *Page) render(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vm := pageVM{T: func(s string) string { return views.T(ctx, s) }, Prefix: p.Prefix, CSRF: views.InfoOf(ctx).CSRF,
		Lang: string(views.LangOf(ctx)), Phones: p.Phones, Keys: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"}}
	if c := p.current(r); c != nil {
		vm.Call = c
		last := -1
		for _, l := range c.Transcript() {
			pl := line{Line: l}
			if l.Who == "caller" {
				last = -1
			}
			if l.Who == "ivr" && p.Voice != nil {
				k := Key(l.Text)
				p.mu.Lock()
				if p.said == nil {
					p.said = map[string]string{}
				}
				if len(p.said) > 10000 {
					clear(p.said)
				}
				p.said[k] = l.Text
				p.mu.Unlock()
				pl.Audio = p.Prefix + "/audio/" + k + ".wav"
				if last < 0 {
					last = len(vm.Lines)
				}
			}
			vm.Lines = append(vm.Lines, pl)
		}
		// What the hotline said since the last key plays by itself.
		if last >= 0 {
			vm.Lines[last].Autoplay = true
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = pageTmpl.Execute(w, vm)
}

var pageTmpl = template.Must(template.New("phone").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{call .T "Hotline simulator"}}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="container" style="max-width:28rem">
<h1>{{call .T "Hotline simulator"}}</h1>
<p>{{call .T "This page plays the operator's IVR platform: it calls the payment hotline from a demo landline, speaks its VoiceXML prompts as text and sends the keys you press."}}</p>
<form method="post" action="{{.Prefix}}/dial"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="from">{{call .T "Calling line"}}</label>
<select id="from" name="from">{{range .Phones}}<option value="{{.Number}}">{{.Number}} · {{.Label}}</option>{{end}}</select>
<button type="submit" data-testid="dial">{{call .T "Call the hotline"}}</button></form>
{{if .Call}}
<section aria-live="polite"><h2>{{call .T "Call"}} {{.Call.From}}</h2>
<ol data-testid="transcript">{{range .Lines}}<li class="{{.Who}}">{{.Text}}{{if .Audio}} <audio controls preload="none" src="{{.Audio}}"{{if .Autoplay}} autoplay{{end}}></audio>{{end}}</li>{{end}}</ol></section>
{{if not .Call.Ended}}
<form method="post" action="{{.Prefix}}/press"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<div style="display:grid;grid-template-columns:repeat(3,1fr);gap:.5rem">{{range .Keys}}<button type="submit" name="key" value="{{.}}" data-testid="key-{{.}}">{{.}}</button>{{end}}</div>
<label for="keys">{{call .T "Or type several keys"}}</label><input id="keys" name="keys" inputmode="numeric" autocomplete="off">
<button type="submit">{{call .T "Send keys"}}</button></form>
<form method="post" action="{{.Prefix}}/hangup"><input type="hidden" name="_csrf" value="{{.CSRF}}"><button type="submit" data-testid="hangup">{{call .T "Hang up"}}</button></form>
{{else}}<p>{{call .T "The call has ended."}}</p>{{end}}
{{end}}
</main></body></html>
`))
