package phonesim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lineescrow/bankbridge"
)

// platform serves fixed documents and records what was submitted.
type platform struct {
	mu    sync.Mutex
	docs  map[string]string
	forms []url.Values
	key   []byte
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := bankbridge.Verify(p.key, r.Header, body, time.Now()); err != nil {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	f, _ := url.ParseQuery(string(body))
	p.mu.Lock()
	p.forms = append(p.forms, f)
	p.mu.Unlock()
	d, ok := p.docs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, d)
}

const head = `<?xml version="1.0" encoding="UTF-8"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">`

func TestInterpreter(t *testing.T) {
	p := &platform{key: []byte("a key of the ivr platform, 32 b"), docs: map[string]string{
		"/ivr/start": head + `<menu id="m"><prompt>一请按1，二请按2</prompt><choice dtmf="1" next="#one"/><choice dtmf="2" next="#two"/></menu>
<form id="one"><var name="s" expr="'tok1'"/><field name="pin" type="digits?length=6"><prompt>输入密码</prompt></field>
<field name="n" type="digits?minlength=1;maxlength=4"><prompt>输入数量</prompt></field>
<filled><if cond="n == '7'"><prompt>七</prompt><submit next="/ivr/step" method="post" namelist="s pin n"/><elseif cond="n == '8'"/><prompt>八</prompt><goto next="#m"/><else/><prompt>其他</prompt><disconnect/></if></filled></form>
<form id="two"><block><prompt>转人工</prompt><transfer dest="tel:+865305550000" bridge="true"/></block></form></vxml>`,
		"/ivr/step": head + `<form><block><prompt>好的<value expr="x"/>再见</prompt><disconnect/></block></form></vxml>`,
	}}
	ts := httptest.NewServer(p)
	defer ts.Close()
	sim := &Sim{URL: ts.URL, Key: p.key}

	c := sim.Dial("05305552001")
	if c.Err != nil || !strings.Contains(c.Heard(), "一请按1") {
		t.Fatalf("menu: %v %q", c.Err, c.Heard())
	}
	c.Press("9") // no such choice: the menu again
	if n := strings.Count(c.Heard(), "一请按1"); n != 2 {
		t.Fatalf("menu played %d times after a wrong key", n)
	}
	c.Press("1")
	c.Press("28491") // five of six digits: still waiting
	if strings.Contains(c.Heard(), "输入数量") {
		t.Fatal("the field took five digits of six")
	}
	c.Press("38#") // the sixth, then 8 ended by #
	if !strings.Contains(c.Heard(), "八") || strings.Count(c.Heard(), "一请按1") != 3 {
		t.Fatalf("elseif: %q", c.Heard())
	}
	c.Press("1")
	c.Press("1111117#")
	if !c.Ended || !strings.Contains(c.Heard(), "好的再见") {
		t.Fatalf("submit: ended %v %q", c.Ended, c.Heard())
	}
	last := p.forms[len(p.forms)-1]
	if last.Get("s") != "tok1" || last.Get("pin") != "111111" || last.Get("n") != "7" || len(last) != 3 {
		t.Fatalf("submitted %v", last)
	}
	if p.forms[0].Get("ani") != "05305552001" {
		t.Fatalf("start: %v", p.forms[0])
	}

	c = sim.Dial("05305552001")
	c.Press("2")
	if !c.Ended || c.Transferred != "tel:+865305550000" {
		t.Fatalf("transfer: %v %q", c.Ended, c.Transferred)
	}

	// Unsigned: refused by the platform, and the call says so.
	if c := (&Sim{URL: ts.URL}).Dial("05305552001"); c.Err == nil || !c.Ended {
		t.Fatal("an unsigned call went through")
	}
}

func TestParseRefusesOutsideTheSubset(t *testing.T) {
	for _, doc := range []string{
		head + `<form><block><script>x()</script></block></form></vxml>`,
		head + `<form><block><prompt>unclosed</block></form></vxml>`,
		`<vxml version="2.0"><form/></vxml>`,
		head + `<form><record name="r"/></form></vxml>`,
	} {
		if err := Check([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
	if err := Check([]byte(head + `<form><block><prompt>好</prompt></block></form></vxml>`)); err != nil {
		t.Fatal(err)
	}
}
