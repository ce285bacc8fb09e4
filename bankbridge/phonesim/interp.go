// Package phonesim plays the operator's IVR platform for the payment
// hotline: it fetches the hotline's VoiceXML over HTTP, speaks the prompts
// into a transcript (and, on its page, as audio when espeak-ng is
// installed), takes the caller's keys and follows submit, goto, transfer and
// disconnect. It interprets only the subset app/ivr documents (Elements) and
// refuses a document with any other element, so tests driving it prove the
// documents use that subset. Like shopsim it imports nothing of the
// platform: it talks HTTP, signing its requests with Standard Webhooks.
//
//	call := sim.Dial("05305552001")
//	call.Press("1")
//	call.Transcript()
package phonesim

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"lineescrow/bankbridge"
)

// Elements are the VoiceXML elements the interpreter knows.
var Elements = map[string]bool{"vxml": true, "form": true, "field": true, "menu": true, "choice": true, "prompt": true,
	"filled": true, "if": true, "elseif": true, "else": true, "submit": true, "goto": true, "transfer": true,
	"disconnect": true, "block": true, "var": true, "value": true}

// Sim is the IVR platform's side: where the hotline is, and the key its
// requests are signed with.
type Sim struct {
	// URL is the platform's base URL (the hotline is at URL/ivr/start).
	URL string
	// Key is the Standard Webhooks key requests are signed with (nil: none).
	Key    []byte
	Client *http.Client
	Now    func() time.Time
}

func (s *Sim) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Line is one line of a call's transcript.
type Line struct {
	Who  string // ivr, caller, platform
	Text string
}

// Call is one call in progress.
type Call struct {
	sim  *Sim
	From string
	mu   sync.Mutex
	seq  int

	doc    *elem
	docURL *url.URL
	docs   [][]byte

	dialog *elem             // the dialog running
	done   map[*elem]bool    // form items visited
	vars   map[string]string // the form's variables and fields
	keys   []byte            // pressed, not consumed
	heard  bool              // the current field or menu's prompt was played

	lines       []Line
	Ended       bool
	Transferred string // the number the call was transferred to
	Err         error
}

// Dial calls the hotline from the number from.
func (s *Sim) Dial(from string) *Call {
	c := &Call{sim: s, From: from}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, Line{"platform", "来电 " + from})
	u, _ := url.Parse(strings.TrimRight(s.URL, "/") + "/ivr/start")
	c.fetch(u, url.Values{"ani": {from}, "call_id": {fmt.Sprintf("sim-%d", time.Now().UnixNano())}})
	c.run()
	return c
}

// Press presses keys (digits, * and #) and lets the call run.
func (c *Call) Press(keys string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Ended {
		return
	}
	c.lines = append(c.lines, Line{"caller", "按键 " + keys})
	c.keys = append(c.keys, keys...)
	c.run()
}

// Hangup ends the call from the caller's side: nothing more is sent.
func (c *Call) Hangup() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Ended {
		c.Ended = true
		c.lines = append(c.lines, Line{"platform", "挂机"})
	}
}

// Transcript is what was said and pressed so far.
func (c *Call) Transcript() []Line {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Line(nil), c.lines...)
}

// Heard is everything the hotline said, one prompt a line.
func (c *Call) Heard() string {
	var b strings.Builder
	for _, l := range c.Transcript() {
		if l.Who == "ivr" {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// Documents are the VoiceXML documents the call fetched, as served.
func (c *Call) Documents() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.docs...)
}

// elem is a parsed element; text is the character data before each child
// (texts[i] before kids[i], texts[len(kids)] after the last).
type elem struct {
	name  string
	attrs map[string]string
	kids  []*elem
	texts []string
}

func (e *elem) attr(n string) string { return e.attrs[n] }

// Check refuses a VoiceXML document that is not well-formed VoiceXML 2.1 or
// uses an element outside Elements.
func Check(b []byte) error {
	_, err := parse(b)
	return err
}

// parse reads a VoiceXML document, refusing one Check refuses.
func parse(b []byte) (*elem, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*elem
	var root *elem
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("voicexml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !Elements[t.Name.Local] || (t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2001/vxml") {
				return nil, fmt.Errorf("voicexml: element <%s> is outside the subset", t.Name.Local)
			}
			e := &elem{name: t.Name.Local, attrs: map[string]string{}, texts: []string{""}}
			for _, a := range t.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, e)
				p.texts = append(p.texts, "")
			} else if root != nil {
				return nil, errors.New("voicexml: more than one root element")
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.texts[len(p.texts)-1] += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("voicexml: text outside the root")
			}
		}
	}
	if root == nil || root.name != "vxml" || root.attr("version") != "2.1" {
		return nil, errors.New("voicexml: the root must be <vxml version=\"2.1\">")
	}
	return root, nil
}

// fetch loads the next document (POST form, signed).
func (c *Call) fetch(u *url.URL, form url.Values) {
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		c.fail(err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.sim.Key != nil {
		now := time.Now
		if c.sim.Now != nil {
			now = c.sim.Now
		}
		c.seq++
		bankbridge.SetHeaders(req.Header, c.sim.Key, fmt.Sprintf("ivr_%d_%d", time.Now().UnixNano(), c.seq), now(), body)
	}
	res, err := c.sim.client().Do(req)
	if err != nil {
		c.fail(err)
		return
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		c.fail(err)
		return
	}
	if res.StatusCode != http.StatusOK {
		c.fail(fmt.Errorf("%s answered %s", u.Path, res.Status))
		return
	}
	c.docs = append(c.docs, b)
	doc, err := parse(b)
	if err != nil {
		c.fail(err)
		return
	}
	c.doc, c.docURL = doc, res.Request.URL
	c.enter(nil)
}

func (c *Call) fail(err error) {
	c.Err, c.Ended = err, true
	c.lines = append(c.lines, Line{"platform", "错误: " + err.Error()})
}

// enter starts a dialog of the current document: d, or the first.
func (c *Call) enter(d *elem) {
	if d == nil {
		for _, k := range c.doc.kids {
			if k.name == "form" || k.name == "menu" {
				d = k
				break
			}
		}
	}
	c.dialog, c.done, c.vars, c.heard = d, map[*elem]bool{}, map[string]string{}, false
	if d == nil {
		c.end()
		return
	}
	for _, k := range c.doc.kids {
		if k.name == "var" {
			c.vars[k.attr("name")] = c.eval(k.attr("expr"))
		}
	}
}

func (c *Call) end() {
	if !c.Ended {
		c.Ended = true
		c.lines = append(c.lines, Line{"platform", "通话结束"})
	}
}

// action is where executable content sends the call.
type action int

const (
	next   action = iota // go on
	jumped               // another dialog or document runs now
	wait                 // input needed
)

// run runs the call until it needs keys or ends.
func (c *Call) run() {
	for steps := 0; !c.Ended && c.dialog != nil && steps < 1000; steps++ {
		var a action
		if c.dialog.name == "menu" {
			a = c.menu(c.dialog)
		} else {
			a = c.form(c.dialog)
		}
		if a == wait {
			return
		}
		if a == next { // the form ran to its end: the document ends
			c.end()
		}
	}
}

func (c *Call) menu(m *elem) action {
	if !c.heard {
		c.heard = true
		c.play(m)
	}
	if len(c.keys) == 0 {
		return wait
	}
	k := string(c.keys[0])
	c.keys = c.keys[1:]
	for _, ch := range m.kids {
		if ch.name == "choice" && ch.attr("dtmf") == k {
			return c.jump(ch.attr("next"))
		}
	}
	c.lines = append(c.lines, Line{"platform", "无效按键"})
	c.heard = false
	return jumped // replay the menu
}

// form runs the form interpretation algorithm over its items in order.
func (c *Call) form(f *elem) action {
	for _, it := range f.kids {
		if c.done[it] {
			continue
		}
		switch it.name {
		case "var":
			c.done[it] = true
			c.vars[it.attr("name")] = c.eval(it.attr("expr"))
		case "block":
			c.done[it] = true
			if a := c.exec(it.kids); a != next {
				return a
			}
		case "field":
			v, ok := c.collect(it)
			if !ok {
				return wait
			}
			c.done[it] = true
			c.vars[it.attr("name")] = v
			for _, k := range it.kids {
				if k.name == "filled" {
					if a := c.exec(k.kids); a != next {
						return a
					}
				}
			}
		case "filled":
			c.done[it] = true
			if a := c.exec(it.kids); a != next {
				return a
			}
		}
	}
	return next
}

// collect takes a field's digits from the keys pressed; false: more needed.
func (c *Call) collect(f *elem) (string, bool) {
	if !c.heard {
		c.heard = true
		for _, k := range f.kids {
			if k.name == "prompt" {
				c.say(k)
			}
		}
	}
	min, max := digitLimits(f.attr("type"))
	var got []byte
	for i, k := range c.keys {
		switch {
		case k == '#':
			c.keys = c.keys[i+1:]
			if len(got) >= min {
				c.heard = false
				return string(got), true
			}
			c.lines = append(c.lines, Line{"platform", "位数不对"})
			c.heard = false
			return "", false
		case k >= '0' && k <= '9':
			got = append(got, k)
			if len(got) == max {
				c.keys = c.keys[i+1:]
				c.heard = false
				return string(got), true
			}
		}
	}
	return "", false
}

func digitLimits(typ string) (int, int) {
	_, q, _ := strings.Cut(typ, "?")
	min, max := 1, 32
	for _, p := range strings.Split(q, ";") {
		k, v, _ := strings.Cut(p, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		switch k {
		case "length":
			min, max = n, n
		case "minlength":
			min = n
		case "maxlength":
			max = n
		}
	}
	return min, max
}

// exec runs executable content.
func (c *Call) exec(items []*elem) action {
	for _, it := range items {
		switch it.name {
		case "prompt":
			c.say(it)
		case "var":
			c.vars[it.attr("name")] = c.eval(it.attr("expr"))
		case "goto":
			return c.jump(it.attr("next"))
		case "submit":
			u, err := c.docURL.Parse(it.attr("next"))
			if err != nil {
				c.fail(err)
				return jumped
			}
			form := url.Values{}
			for _, n := range strings.Fields(it.attr("namelist")) {
				form.Set(n, c.vars[n])
			}
			c.fetch(u, form)
			return jumped
		case "disconnect":
			c.end()
			return jumped
		case "transfer":
			c.Transferred = it.attr("dest")
			c.lines = append(c.lines, Line{"platform", "转接 " + c.Transferred})
			c.end()
			return jumped
		case "if":
			if a := c.exec(c.branch(it)); a != next {
				return a
			}
		}
	}
	return next
}

// branch is the content of the if's branch whose condition holds.
func (c *Call) branch(it *elem) []*elem {
	var cur []*elem
	taken, on := false, c.cond(it.attr("cond"))
	for _, k := range it.kids {
		switch k.name {
		case "elseif", "else":
			if on {
				return cur
			}
			taken = taken || on
			on = !taken && (k.name == "else" || c.cond(k.attr("cond")))
			cur = nil
		default:
			if on {
				cur = append(cur, k)
			}
		}
	}
	if on {
		return cur
	}
	return nil
}

// cond evaluates "a == 'x'" and "a != 'x'".
func (c *Call) cond(e string) bool {
	if l, r, ok := strings.Cut(e, "=="); ok {
		return c.eval(strings.TrimSpace(l)) == c.eval(strings.TrimSpace(r))
	}
	if l, r, ok := strings.Cut(e, "!="); ok {
		return c.eval(strings.TrimSpace(l)) != c.eval(strings.TrimSpace(r))
	}
	return c.eval(e) != ""
}

// eval reads a quoted literal or a variable.
func (c *Call) eval(e string) string {
	e = strings.TrimSpace(e)
	if len(e) >= 2 && (e[0] == '\'' && e[len(e)-1] == '\'' || e[0] == '"' && e[len(e)-1] == '"') {
		return e[1 : len(e)-1]
	}
	return c.vars[e]
}

func (c *Call) jump(next string) action {
	id, ok := strings.CutPrefix(next, "#")
	if !ok {
		c.fail(fmt.Errorf("goto %q: only #dialog is supported", next))
		return jumped
	}
	for _, k := range c.doc.kids {
		if (k.name == "form" || k.name == "menu") && k.attr("id") == id {
			keys := c.keys
			c.enter(k)
			c.keys = keys
			return jumped
		}
	}
	c.fail(fmt.Errorf("goto %q: no such dialog", next))
	return jumped
}

// play speaks a menu's prompts.
func (c *Call) play(m *elem) {
	for _, k := range m.kids {
		if k.name == "prompt" {
			c.say(k)
		}
	}
}

// say adds a prompt's text (with its values) to the transcript.
func (c *Call) say(p *elem) {
	var b strings.Builder
	b.WriteString(p.texts[0])
	for i, k := range p.kids {
		if k.name == "value" {
			b.WriteString(c.eval(k.attr("expr")))
		}
		b.WriteString(p.texts[i+1])
	}
	if t := strings.TrimSpace(b.String()); t != "" {
		c.lines = append(c.lines, Line{"ivr", t})
	}
}
