package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"lineescrow/models"
)

// nonPublic are address ranges a notification must never reach, beyond
// what netip's predicates say (loopback, private, link-local, multicast,
// unspecified): "this network", shared address space (CGNAT), the IETF
// protocol block, documentation, benchmarking, reserved, NAT64 (which can
// reach any IPv4 address behind it), and IPv6 documentation.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "2001:db8::/32", "100::/64"} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// publicAddr reports whether a notification may be sent to ip.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// errBlocked is the error of a dial to an address that is not public.
var errBlocked = errors.New("the address is loopback, private, link-local or otherwise not public")

// publicOnly is a dialer's Control: it runs with the address the name
// resolved to, for every address tried, so a name that resolves (or is
// rebound) to 127.0.0.1 is refused as surely as the literal.
func publicOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errBlocked
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !publicAddr(ip) {
		return errBlocked
	}
	return nil
}

// NotifyClient returns the HTTP client notifications are sent with: 15
// seconds per try, redirects not followed (the answer to the POST is what
// counts), no proxy from the environment; unless demo, it dials public
// addresses only.
func NotifyClient(demo bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !demo {
		d.Control = publicOnly
	}
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkNotifyURL validates a URL notifications are to be sent to: http or
// https, a host, no user name or fragment, at most 512 bytes; unless demo,
// not a literal address that is not public, nor localhost. A name is checked
// again, by what it resolves to, at every send (publicOnly).
func checkNotifyURL(field, raw string, demo bool) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 512 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return "", models.FieldError(field, "Enter an http:// or https:// URL of at most 512 characters, without a user name or #fragment.")
	}
	if demo {
		return raw, nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if ip, err := netip.ParseAddr(host); err == nil && !publicAddr(ip) || host == "localhost" || strings.HasSuffix(host, ".localhost") ||
		!strings.Contains(host, ".") && !strings.Contains(host, ":") {
		return "", models.FieldError(field, "Notifications may not go to a loopback, private or link-local address, nor to a name without a domain.")
	}
	return raw, nil
}

// checkReturnHosts parses the hosts a merchant's return URLs may point at:
// names or addresses with an optional port, separated by commas, spaces or
// new lines, at most 20.
func checkReturnHosts(field, text string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, h := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		u, err := url.Parse("http://" + h)
		if err != nil || u.Host != h || u.Hostname() == "" || len(h) > 253 || strings.ContainsAny(h, "/?#@") {
			return nil, models.FieldError(field, "Enter host names such as shop.example.com or shop.example.com:8443, separated by commas or new lines.")
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	if len(out) > 20 {
		return nil, models.FieldError(field, "At most %d hosts.", 20)
	}
	return out, nil
}

// returnParams are the names the platform adds to a return URL; a
// return_url may not carry them itself.
var returnParams = []string{"app_id", "method", "charset", "timestamp", "trade_no", "out_trade_no", "total_amount", "trade_status",
	"sign_type", "sign"}

// checkReturnURL validates a trade's return_url: http or https, on one of the
// merchant's hosts (the host with its port, or the host alone when the
// registered entry has no port), no fragment, its own query parameters each
// once and none of the platform's names, at most 1024 bytes.
func checkReturnURL(field, raw string, hosts []string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 1024 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return "", models.FieldError(field, "Enter an http:// or https:// URL of at most 1024 characters, without a user name or #fragment.")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", models.FieldError(field, "The return URL's query string is malformed.")
	}
	for k, vs := range q {
		if len(vs) > 1 {
			return "", models.FieldError(field, "The return URL repeats the parameter %s.", k)
		}
		for _, p := range returnParams {
			if k == p {
				return "", models.FieldError(field, "The return URL may not carry the parameter %s: the platform adds it.", k)
			}
		}
	}
	host, name := strings.ToLower(u.Host), strings.ToLower(u.Hostname())
	for _, h := range hosts {
		if h == host || h == name || h == "["+name+"]" {
			return raw, nil
		}
	}
	if len(hosts) == 0 {
		return "", models.FieldError(field, "Register the hosts of your return URLs first.")
	}
	return "", models.FieldError(field, "The return URL must be on a host you registered (%s).", strings.Join(hosts, ", "))
}

// dialBlocked reports whether a send failed because its address was refused.
func dialBlocked(err error) bool { return errors.Is(err, errBlocked) }

// detach gives a call its own deadline, not cancelled with the request or
// job that made it (a record must be written after an answer came).
func detach(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
