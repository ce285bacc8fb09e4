// Package crash_test drives the real binary through crashes: the server
// killed (kill -9) while money streams in, PostgreSQL stopped under it, and a
// backup restored to a point in time.
package crash_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lineescrow/app/devdb"
	"lineescrow/app/store"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// binary builds ./cmd/lineescrow once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lineescrow-crash-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "lineescrow")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/lineescrow")
		cmd.Dir = devdb.ProjectRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// env is the binary's environment: the demo's wiring (demo secrets and
// data) on the test's own database, with overrides.
func env(extra ...string) []string {
	return append(os.Environ(), append([]string{"DEMO=true", "LOG_LEVEL=warn"}, extra...)...)
}

// runBinary runs one command of the binary and returns its output; a
// non-zero exit fails the test.
func runBinary(t *testing.T, bin string, extra []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env(extra...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lineescrow %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// throwaway starts nothing yet: a durable cluster of the test's own, removed
// at the end.
func throwaway(t *testing.T, name string, archive bool) devdb.Cluster {
	t.Helper()
	c, err := devdb.Throwaway(name, t.TempDir(), archive)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Remove(context.Background()); err != nil {
			t.Logf("remove cluster %s: %v", name, err)
		}
	})
	return c
}

// openMigrated opens url and applies the migrations.
func openMigrated(t *testing.T, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		t.Fatal(err)
	}
	return db
}

// server is the binary's `serve`, restartable on one address.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
}

func newServer(t *testing.T, bin string, extra ...string) *server {
	t.Helper()
	port, err := devdb.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &server{t: t, bin: bin, base: "http://" + addr, log: &bytes.Buffer{}}
	s.env = env(append([]string{"HTTP_ADDR=" + addr, "BASE_URL=" + s.base}, extra...)...)
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", tailOf(s.log.String(), 6000))
		}
	})
	return s
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// syncBuffer is the server's log, written by exec's copier and read by the test.
type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

var logMu sync.Mutex

// start runs serve and waits until /readyz answers 200.
func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = s.env
	cmd.Stdout = syncWriter{&logMu, s.log}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	s.waitReady(200, 90*time.Second)
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// waitReady polls /readyz until it answers status.
func (s *server) waitReady(status int, within time.Duration) {
	s.t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	last := ""
	for time.Now().Before(deadline) {
		if s.cmd != nil {
			select {
			case <-s.done:
				s.t.Fatalf("the server exited while waiting for /readyz %d:\n%s", status, tailOf(s.log.String(), 4000))
			default:
			}
		}
		res, err := c.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == status {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("/readyz did not answer %d within %s (last: %s)", status, within, last)
}

// client is an API client with a bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

// answer is one API answer.
type answer struct {
	Status int
	Body   []byte
	Err    error // no answer at all (refused, reset)
}

func (a answer) decode(v any) error { return json.Unmarshal(a.Body, v) }

func (c *client) do(method, path, key string, body any) answer {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+"/api/v1"+path, r)
	if err != nil {
		return answer{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return answer{Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{Status: res.StatusCode, Body: b, Err: err}
}

func login(t *testing.T, base, phone, password string) *client {
	t.Helper()
	c := &client{t: t, base: base, http: &http.Client{Timeout: 15 * time.Second}}
	a := c.do("POST", "/auth/token", "", map[string]string{"login": phone, "password": password})
	var tok struct{ Token string }
	if a.Err != nil || a.Status != 200 || a.decode(&tok) != nil {
		t.Fatalf("login %s: %d %s %v", phone, a.Status, a.Body, a.Err)
	}
	c.token = tok.Token
	return c
}
