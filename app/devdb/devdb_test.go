package devdb

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestClusterLifecycle initialises a throwaway cluster, starts it, reuses it,
// connects with the generated password, and stops it.
func TestClusterLifecycle(t *testing.T) {
	if findBinDir() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server binaries missing (CI is set, so this fails): run `make test`")
		}
		t.Skip("PostgreSQL server binaries missing")
	}
	t.Parallel()
	root := t.TempDir()
	for _, d := range []string{filepath.Dir(root), root} { // the server's OS user must reach it
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := Cluster{Name: "lifecycle", Port: port, Fast: true, Root: root, Log: io.Discard}
	ctx := context.Background()
	t.Cleanup(func() { _ = c.Stop(ctx) })

	url, err := c.Start(ctx, "appdb")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.Start(ctx, "appdb"); err != nil || again != url {
		t.Fatalf("second start: %v (%s vs %s)", err, again, url)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil || db != "appdb" {
		t.Fatalf("connected to %q: %v", db, err)
	}
	conn.Close(ctx)
	if fi, err := os.Stat(c.passFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi.Mode(), err)
	}
	if s, _ := c.Status(ctx); !strings.Contains(s, "running") {
		t.Fatalf("status: %s", s)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Status(ctx); !strings.Contains(s, "stopped") {
		t.Fatalf("status after stop: %s", s)
	}
	// A wrong password is refused: the cluster is not open to anyone on the machine.
	url, err = c.Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, strings.Replace(url, "lineescrow:", "lineescrow:x", 1)); err == nil {
		t.Fatal("connected with a wrong password")
	}
}

// TestClusterInAPrivateFolder: run as root from a folder the server's OS user
// cannot enter (a checkout under /root), the cluster keeps its files elsewhere
// and still works.
func TestClusterInAPrivateFolder(t *testing.T) {
	if findBinDir() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server binaries missing (CI is set, so this fails): run `make test`")
		}
		t.Skip("PostgreSQL server binaries missing")
	}
	t.Parallel()
	if os.Geteuid() != 0 {
		// Not root: the server runs as the invoking user, who can reach the project.
		if u, err := (Cluster{}).serverUser(); err != nil || u != nil {
			t.Fatalf("as a plain user the server should run as that user: %v %v", u, err)
		}
		return
	}
	root := t.TempDir() // 0700 parents: closed to the postgres user
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := Cluster{Name: "private", Port: port, Fast: true, Root: root, Log: io.Discard}
	ctx := context.Background()
	t.Cleanup(func() {
		_ = c.Stop(ctx)
		if cc, _, _, err := c.tools(ctx); err == nil && cc.serverDir != "" {
			os.RemoveAll(filepath.Dir(cc.serverDir))
		}
	})
	url, err := c.Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if cc, _, _, _ := c.tools(ctx); !strings.HasPrefix(cc.dataDir(), "/var/lib/lineescrow-devdb/") {
		t.Fatalf("data in %s", cc.dataDir())
	}
}
