// Package views renders the portals with templ. Handlers pass view-models shaped
// like the pages; the request's language, viewer, CSRF token and flash messages
// travel in the context (WithInfo), so every page shares one layout without
// threading them through each call.
package views

import (
	"context"
	"net/url"
)

// Roles of portal users.
const (
	RoleBuyer    = "buyer"
	RoleSeller   = "seller"
	RoleOperator = "operator"
)

// Viewer is the logged-in user as the layout needs them.
type Viewer struct {
	ID     int64
	Name   string
	Role   string
	Frozen bool
	// Unread counts the viewer's unread notices, up to 100 (nil: none); the
	// layout asks once, so a page that shows no layout runs no query.
	Unread func() int
}

// UnreadCount is the viewer's unread notices (0 for nobody).
func (v *Viewer) UnreadCount() int {
	if v == nil || v.Unread == nil {
		return 0
	}
	return v.Unread()
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // success, error, info, warning
	Text string
}

// Info is what every page needs to know about its request.
type Info struct {
	Lang    Lang
	Viewer  *Viewer
	CSRF    string
	Flashes []Flash
	Path    string // path and query of the request, for the language switch
	Demo    bool
}

type infoKey struct{}

// WithInfo returns ctx carrying info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// InfoOf returns the request info in ctx (an empty English one when absent).
func InfoOf(ctx context.Context) *Info {
	if i, ok := ctx.Value(infoKey{}).(*Info); ok && i != nil {
		return i
	}
	return &Info{Lang: English}
}

// HasInfo reports whether ctx carries request info.
func HasInfo(ctx context.Context) bool {
	_, ok := ctx.Value(infoKey{}).(*Info)
	return ok
}

// LangOf returns the language of the request in ctx.
func LangOf(ctx context.Context) Lang { return InfoOf(ctx).Lang }

// Form is a form's view-model: the submitted values and an error per field.
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Error is a message about the form as a whole.
	Error string
}

// NewForm returns an empty form.
func NewForm() *Form { return &Form{Values: map[string]string{}, Errors: map[string]string{}} }

// FormFrom returns a form holding the submitted values (passwords excluded).
func FormFrom(v url.Values, secret ...string) *Form {
	f := NewForm()
	skip := map[string]bool{"_csrf": true}
	for _, s := range secret {
		skip[s] = true
	}
	for k := range v {
		if !skip[k] {
			f.Values[k] = v.Get(k)
		}
	}
	return f
}

// Get returns a submitted value.
func (f *Form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Err returns the error of a field, or "".
func (f *Form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// formTouched reports whether the page shows a submission of a form: one of
// its fields has an error or a value that only a person types (the fields
// given). A folded form must then open, so the person sees what they typed
// and what is wrong with it.
func formTouched(f *Form, typed []string, fields ...string) bool {
	for _, name := range fields {
		if f.Err(name) != "" {
			return true
		}
	}
	for _, name := range typed {
		if f.Get(name) != "" {
			return true
		}
	}
	return false
}

// LangURL is the current page with the language switched to l.
func LangURL(ctx context.Context, l Lang) string {
	u := url.URL{Path: "/lang"}
	q := url.Values{"to": {string(l)}, "next": {InfoOf(ctx).Path}}
	u.RawQuery = q.Encode()
	return u.String()
}
