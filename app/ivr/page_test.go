package ivr_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lineescrow/bankbridge/phonesim"
	"lineescrow/bankbridge/telecomsim"
)

// TestPhonePage calls the hotline from the browser phone, without
// JavaScript: dial, a key, the transcript.
func TestPhonePage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	// Audio when espeak-ng is installed (text only otherwise: checked below).
	e.page.Voice = phonesim.NewVoice(t.TempDir())
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	get := func() string {
		res, err := cl.Get(e.ts.URL + "/sim/phone/?lang=zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("page: %d", res.StatusCode)
		}
		return string(b)
	}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	post := func(page, path string, form url.Values) string {
		m := csrf.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token:\n%s", page)
		}
		form.Set("_csrf", m[1])
		res, err := cl.PostForm(e.ts.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	page := get()
	page = post(page, "/sim/phone/dial", url.Values{"from": {telecomsim.LineBuyer}})
	if !strings.Contains(page, "欢迎致电固话宝支付热线") {
		t.Fatalf("after dialling:\n%s", page)
	}
	page = post(page, "/sim/phone/press", url.Values{"key": {"1"}})
	if !strings.Contains(page, "您的余额为0元") {
		t.Fatalf("after 1:\n%s", page)
	}
	audio := regexp.MustCompile(`<audio controls preload="none" src="([^"]+)" autoplay>`).FindStringSubmatch(page)
	if e.page.Voice == nil {
		if strings.Contains(page, "<audio") {
			t.Fatal("audio without espeak-ng")
		}
	} else {
		if audio == nil {
			t.Fatalf("no audio for the prompt:\n%s", page)
		}
		res, err := cl.Get(e.ts.URL + audio[1])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("RIFF")) || len(b) < 1000 {
			t.Fatalf("audio: %d, %d bytes %q", res.StatusCode, len(b), b[:min(len(b), 16)])
		}
	}
	res, err := cl.Get(e.ts.URL + "/sim/phone/audio/" + phonesim.Key("not shown") + ".wav")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("a text never shown was spoken: %d", res.StatusCode)
	}
	page = post(page, "/sim/phone/hangup", url.Values{})
	if !strings.Contains(page, "通话已结束") && !strings.Contains(page, "The call has ended.") {
		t.Fatalf("after hanging up:\n%s", page)
	}
}

// TestHotlineTrustsPlatformAddresses: unsigned requests from a configured
// IVR platform address are believed.
func TestHotlineTrustsPlatformAddresses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.bind(t, e.Buyer, telecomsim.LineBuyer)
	e.phone.Key = nil
	if c := e.phone.Dial(telecomsim.LineBuyer); c.Err == nil {
		t.Fatal("unsigned call from an address not configured was answered")
	}
	_, n, _ := net.ParseCIDR("127.0.0.0/8")
	e.IVR.Platforms = []*net.IPNet{n}
	c := e.phone.Dial(telecomsim.LineBuyer)
	if c.Err != nil || !strings.Contains(press(t, c, "1"), "余额") {
		t.Fatalf("from the platform's address: %v\n%s", c.Err, c.Heard())
	}
}
