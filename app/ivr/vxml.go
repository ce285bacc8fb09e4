package ivr

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// Elements are the VoiceXML 2.1 elements the hotline's documents use, and
// the only ones bankbridge/phonesim interprets.
var Elements = []string{"vxml", "form", "field", "menu", "choice", "prompt", "filled", "if", "elseif", "else",
	"submit", "goto", "transfer", "disconnect", "block", "var", "value"}

// node is an element of a document being built; text is its character data
// (before its children).
type node struct {
	name  string
	attrs [][2]string
	text  string
	kids  []*node
}

func el(name string, attrs ...string) *node {
	n := &node{name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.attrs = append(n.attrs, [2]string{attrs[i], attrs[i+1]})
	}
	return n
}

func (n *node) add(kids ...*node) *node { n.kids = append(n.kids, kids...); return n }

func (n *node) write(b *bytes.Buffer) {
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a[0] + `="`)
		_ = xml.EscapeText(b, []byte(a[1]))
		b.WriteByte('"')
	}
	if n.text == "" && len(n.kids) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	_ = xml.EscapeText(b, []byte(n.text))
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</" + n.name + ">")
}

// prompt is text for the platform's speech synthesis.
func prompt(text string) *node {
	n := el("prompt")
	n.text = text
	return n
}

// stateVar is the signed call state a form carries back.
func stateVar(token string) *node { return el("var", "name", "s", "expr", "'"+token+"'") }

// submit posts the form's state and the named fields to /ivr/step.
func submit(names ...string) *node {
	return el("submit", "next", StepPath, "method", "post", "namelist", strings.Join(append([]string{"s"}, names...), " "))
}

// document is one VoiceXML document: its dialogs in order (the first runs).
type document struct{ dialogs []*node }

func (d *document) add(n ...*node) { d.dialogs = append(d.dialogs, n...) }

// bytes renders the document.
func (d *document) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	root := el("vxml", "version", "2.1", "xmlns", "http://www.w3.org/2001/vxml", "xml:lang", "zh-CN")
	root.kids = d.dialogs
	root.write(&b)
	b.WriteByte('\n')
	return b.Bytes()
}

// digitsField asks for between min and max digits (# ends a shorter entry).
func digitsField(name, text string, min, max int) *node {
	typ := "digits?minlength=" + strconv.Itoa(min) + ";maxlength=" + strconv.Itoa(max)
	if min == max {
		typ = "digits?length=" + strconv.Itoa(min)
	}
	return el("field", "name", name, "type", typ).add(prompt(text))
}
