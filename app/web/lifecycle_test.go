package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/auth"
	"lineescrow/app/web"
	"lineescrow/models"
)

// TestGracefulShutdown: a request in flight when the server is told to stop
// still gets its answer; new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := web.New(web.Deps{Config: demoConfig(t), Log: quiet})
	started := make(chan struct{})
	s.Echo.GET("/test/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.String(200, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, ln, 5*time.Second) }()
	got := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

// TestSessionRenewal: a session past half its life gets a fresh cookie on the
// next request; a session past MaxSessionAge cannot be renewed.
func TestSessionRenewal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("13800138060", models.RoleBuyer)
	short := auth.NewTokens(demoConfig(t).JWTSecret, 30*time.Minute)
	// A token issued 20 minutes ago: 10 minutes left, under half.
	old, _, err := issueAt(short, u, time.Now().Add(-20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/account", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: old})
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("old-ish session: %d", res.StatusCode)
	}
	renewed := ""
	for _, c := range res.Cookies() {
		if c.Name == "session" {
			renewed = c.Value
		}
	}
	if renewed == "" || renewed == old {
		t.Fatal("session not renewed")
	}
	c, err := e.auth.Tokens.Parse(renewed, auth.AudienceWeb)
	if err != nil || time.Until(c.ExpiresAt.Time) < 29*time.Minute {
		t.Fatalf("renewed token: %v", err)
	}
	// Renewals keep the original login time, so a session ends after MaxSessionAge.
	ancient, _, _ := issueAt(short, u, time.Now().Add(-auth.MaxSessionAge-time.Minute))
	if _, err := e.auth.Tokens.Parse(ancient, auth.AudienceWeb); err == nil {
		t.Fatal("a session older than MaxSessionAge is still valid")
	}
}

// issueAt issues a web session token as if at time at.
func issueAt(t *auth.Tokens, u *models.User, at time.Time) (string, time.Time, error) {
	c := *t
	c.Now = func() time.Time { return at }
	return c.Issue(u, auth.AudienceWeb, at)
}
