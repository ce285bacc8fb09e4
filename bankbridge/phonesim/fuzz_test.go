package phonesim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"sort"
	"testing"
)

// FuzzParseVoiceXML feeds arbitrary documents to the interpreter's parser and
// then to a call: parsing never panics; what it accepts has <vxml
// version="2.1"> at the root and only elements of the subset, and written out
// again parses to the same tree; and a call on any document, whatever keys
// are pressed, ends or waits for keys without panicking or looping (a
// refused document ends the call with an error).
func FuzzParseVoiceXML(f *testing.F) {
	for _, s := range []string{
		head + `<form id="a"><block><prompt>您好 <value expr="n"/></prompt><goto next="#m"/></block></form>` +
			`<menu id="m"><prompt>按 1</prompt><choice dtmf="1" next="#a"/></menu></vxml>`,
		head + `<var name="s" expr="'x.y'"/><form><field name="pin" type="digits?length=6"><prompt>密码</prompt>` +
			`<filled><if cond="pin == '123456'"><submit next="/ivr/step" method="post" namelist="s pin"/><elseif cond="pin != ''"/><disconnect/><else/><transfer dest="tel:+86100"/></if></filled></field></form></vxml>`,
		head + `<form><block><script>x()</script></block></form></vxml>`,
		`<vxml version="2.0"><form/></vxml>`,
		`<vxml version="2.1"/><vxml version="2.1"/>`,
		`text<vxml version="2.1"/>`,
		`<?xml version="1.0"?><!-- c --><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><form><block>&amp;&#x4e2d;</block></form></vxml>`,
		`<v:vxml xmlns:v="urn:x" version="2.1"/>`,
		head + `<form id="l"><block><goto next="#l"/></block></form></vxml>`,
		"",
	} {
		f.Add([]byte(s), "1#")
	}
	f.Fuzz(func(t *testing.T, doc []byte, keys string) {
		root, err := parse(doc)
		if (err == nil) != (Check(doc) == nil) {
			t.Fatal("Check and parse disagree")
		}
		if err == nil {
			if root.name != "vxml" || root.attr("version") != "2.1" {
				t.Fatalf("accepted a root <%s version=%q>", root.name, root.attr("version"))
			}
			var walk func(e *elem)
			walk = func(e *elem) {
				if !Elements[e.name] {
					t.Fatalf("accepted <%s>", e.name)
				}
				if len(e.texts) != len(e.kids)+1 {
					t.Fatalf("<%s>: %d texts for %d children", e.name, len(e.texts), len(e.kids))
				}
				for _, k := range e.kids {
					walk(k)
				}
			}
			walk(root)
			var b bytes.Buffer
			write(&b, root)
			again, err := parse(b.Bytes())
			if err != nil || !reflect.DeepEqual(again, root) {
				t.Fatalf("written out as %s: %v", b.Bytes(), err)
			}
		}

		sim := &Sim{URL: "http://ivr.test", Client: &http.Client{Transport: serve(doc)}}
		call := sim.Dial("05305552001")
		if len(keys) > 64 {
			keys = keys[:64]
		}
		call.Press(keys)
		if err != nil && (call.Err == nil || !call.Ended) {
			t.Fatalf("a refused document did not end the call with an error: %v", call.Err)
		}
	})
}

// serve answers every request with doc.
type serve []byte

func (d serve) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(d))}, nil
}

// write writes a parsed tree back out as XML.
func write(b *bytes.Buffer, e *elem) {
	b.WriteString("<" + e.name)
	names := make([]string, 0, len(e.attrs))
	for n := range e.attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString(" " + n + `="`)
		_ = xml.EscapeText(b, []byte(e.attrs[n]))
		b.WriteString(`"`)
	}
	b.WriteString(">")
	for i, k := range e.kids {
		_ = xml.EscapeText(b, []byte(e.texts[i]))
		write(b, k)
	}
	_ = xml.EscapeText(b, []byte(e.texts[len(e.kids)]))
	b.WriteString("</" + e.name + ">")
}
