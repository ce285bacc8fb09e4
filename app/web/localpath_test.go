package web

import "testing"

// redirectBypasses are next= values seen in open-redirect reports: each must
// become "/". They are what the handler receives, already query-decoded.
var redirectBypasses = []string{
	"", "evil.example", "./evil.example", "../evil.example", "?x=1", "#top",
	"//evil.example", "///evil.example", "////evil.example/x",
	`/\evil.example`, `\\evil.example`, `\/evil.example`, `/\/evil.example`, `\evil.example`,
	"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "/\t\\evil.example",
	" //evil.example", "\x00//evil.example", "\x1f/\x1f/evil.example", "/\x00/evil.example", "/ /evil.example", "/\x7f/evil.example",
	"/%2f/evil.example", "/%2F%2Fevil.example", "/%2fevil.example", "/%5cevil.example", "/%5C/evil.example",
	"/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/%2509/evil.example%", "/%zz",
	"https://evil.example", "http://evil.example/", "HTTPS://evil.example", "https:evil.example", "http:/evil.example",
	"//pay.example@evil.example", "https://pay.example@evil.example/", "//user:pass@evil.example",
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>x</b>",
	"／／evil.example", "/\uff0fevil.example", "/\u2215evil.example", "/\u2044evil.example", "/\uff3cevil.example",
	"/\u202e/evil.example", "/\u200b/evil.example", "/\u3002evil.example", "/é",
}

func TestLocalPathRefusesBypasses(t *testing.T) {
	for _, p := range redirectBypasses {
		if got := localPath(p); got != "/" {
			t.Errorf("localPath(%q) = %q, want /", p, got)
		}
	}
}

func TestLocalPathKeepsOwnPaths(t *testing.T) {
	for in, want := range map[string]string{
		"/":                         "/",
		"/listings":                 "/listings",
		"/orders/42?tab=money":      "/orders/42?tab=money",
		"/listings?q=%E8%8C%B6&p=2": "/listings?q=%E8%8C%B6&p=2",
		"/account#pay-password":     "/account#pay-password",
		"/login?next=%2F%2Fevil.ex": "/login?next=%2F%2Fevil.ex", // only the path is a location
		"/@evil.example":            "/@evil.example",            // a path on this host
		"/seller/orders/7/state":    "/seller/orders/7/state",
		" /listings\t":              "/listings", // what the browser would have followed
		"/list\nings":               "/listings",
		"/%E2%80%AE":                "/%E2%80%AE", // encoded, so shown as text, never reordered
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
