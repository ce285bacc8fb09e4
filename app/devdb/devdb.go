// Package devdb runs the project's own PostgreSQL clusters for the demo and the
// tests, so that `make run` and `make test` need nothing started by hand.
//
// Each cluster lives in a git-ignored folder of the project (.devdb/<name>),
// listens on its own port on 127.0.0.1 only, and is reached with a random
// password kept beside it (mode 0600). PostgreSQL refuses to run as root, so when
// invoked as root the cluster is owned and run by an unprivileged OS user
// ("postgres" when Debian's package created it, else a system user created here).
package devdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster describes one project-local cluster.
type Cluster struct {
	Name string // "demo" or "test"
	Port int
	// Fast disables durability (fsync, full-page writes): right for throwaway
	// test databases, wrong for anything else.
	Fast bool
	// Root is the folder holding all clusters, normally ".devdb".
	Root string
	// Log receives progress lines; nil means os.Stderr.
	Log io.Writer
	// Archive turns on continuous WAL archiving into the cluster's archive
	// folder, which base backups (Backup) are rolled forward from (Restore).
	Archive bool
	// Install lets Start install Debian's postgresql package with apt-get when the
	// server binaries are missing.
	Install bool

	// serverDir holds the data, socket and log folders; see tools.
	serverDir string
}

// Demo and Test are the two clusters the project uses.
var (
	Demo = Cluster{Name: "demo", Port: 54329, Archive: true}
	Test = Cluster{Name: "test", Port: 54339, Fast: true}
	// Bench is the benchmark's cluster: durable (fsync and synchronous
	// commit on), so its figures are those of a real deployment.
	Bench = Cluster{Name: "bench", Port: 54349}
)

// dbUserName is the OS user created to run clusters when no "postgres" user exists.
const dbUserName = "lineescrow-db"

// DatabaseUser is the PostgreSQL superuser of every project cluster.
const DatabaseUser = "lineescrow"

// CreateOptions are added to CREATE DATABASE: UTF-8 with a character
// classification that knows Chinese (pg_trgm indexes Chinese titles only then),
// sorted by code point as the C locale does.
const CreateOptions = " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"

func (c Cluster) root() string {
	if c.Root != "" {
		return c.Root
	}
	if r := os.Getenv("LINEESCROW_DEVDB_DIR"); r != "" {
		return r
	}
	return filepath.Join(ProjectRoot(), ".devdb")
}

// ProjectRoot is the nearest folder above the working directory holding the
// project's go.mod (tests run inside package folders), else the working directory.
func ProjectRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module lineescrow\n") {
			return dir
		}
		if dir == filepath.Dir(dir) {
			return wd
		}
	}
}

func (c Cluster) logf(format string, args ...any) {
	w := c.Log
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "devdb: "+format+"\n", args...)
}

// paths of the cluster: the data folder (owned by the server's OS user), the
// socket folder, the server log and the password file (owned by the invoking user).
func (c Cluster) serverBase() string {
	if c.serverDir != "" {
		return c.serverDir
	}
	return filepath.Join(c.root(), c.Name)
}
func (c Cluster) dataDir() string  { return filepath.Join(c.serverBase(), "data") }
func (c Cluster) runDir() string   { return filepath.Join(c.serverBase(), "run") }
func (c Cluster) logFile() string  { return filepath.Join(c.serverBase(), "server.log") }
func (c Cluster) passFile() string { return filepath.Join(c.root(), c.Name+".password") }
func (c Cluster) lockFile() string { return filepath.Join(c.root(), c.Name+".lock") }

// URL returns the connection URL of database dbname on the cluster. It needs
// the password file, so the cluster must have been initialised.
func (c Cluster) URL(dbname string) (string, error) {
	pw, err := os.ReadFile(c.passFile())
	if err != nil {
		return "", fmt.Errorf("devdb %s: no password file (run `lineescrow devdb start`): %w", c.Name, err)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(DatabaseUser, strings.TrimSpace(string(pw))),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String(), nil
}

// Start initialises the cluster when needed, starts it when it is not running
// and creates database dbname when it does not exist ("" creates none). It
// returns the URL of dbname (or of the "postgres" database). Concurrent Starts of
// one cluster, from any process, are serialised by a file lock.
func (c Cluster) Start(ctx context.Context, dbname string) (string, error) {
	if err := os.MkdirAll(c.root(), 0o755); err != nil {
		return "", fmt.Errorf("devdb: %w", err)
	}
	unlock, err := lockFile(c.lockFile())
	if err != nil {
		return "", err
	}
	defer unlock()

	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err != nil {
		if err := c.initdb(ctx, bin, owner); err != nil {
			return "", err
		}
	}
	if running, _ := c.running(ctx, bin, owner); !running {
		if err := c.start(ctx, bin, owner); err != nil {
			return "", err
		}
	}
	if dbname == "" {
		dbname = "postgres"
	} else if err := c.createDatabase(ctx, dbname); err != nil {
		return "", err
	}
	return c.URL(dbname)
}

// tools finds the server binaries and the OS user that runs the server, and
// where the server keeps its files. That is the project's .devdb folder,
// unless the server's OS user cannot reach it (a project under a private home
// folder, checked out and run as root): then a folder of its own under
// /var/lib, named after the project's path, so each checkout keeps its own.
func (c Cluster) tools(ctx context.Context) (Cluster, string, *osUser, error) {
	bin, err := c.binDir(ctx)
	if err != nil {
		return c, "", nil, err
	}
	owner, err := c.serverUser()
	if err != nil || owner == nil {
		return c, bin, owner, err
	}
	root, _ := filepath.Abs(c.root())
	sum := sha256.Sum256([]byte(root))
	fallback := filepath.Join("/var/lib/lineescrow-devdb", hex.EncodeToString(sum[:6]), c.Name)
	if _, err := os.Stat(filepath.Join(fallback, "data", "PG_VERSION")); err == nil {
		c.serverDir = fallback
		return c, bin, owner, nil
	}
	probe := exec.CommandContext(ctx, "test", "-x", root)
	probe.Dir = "/"
	probe.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: owner.uid, Gid: owner.gid}}
	if probe.Run() != nil {
		c.logf("user %s cannot reach %s; keeping the %s cluster's files in %s", owner.name, root, c.Name, fallback)
		c.serverDir = fallback
	}
	return c, bin, owner, nil
}

// Stop stops the cluster if it runs; its data stays for next time.
func (c Cluster) Stop(ctx context.Context) error {
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return err
	}
	if running, _ := c.running(ctx, bin, owner); !running {
		c.logf("%s cluster is not running", c.Name)
		return nil
	}
	if out, err := c.command(ctx, owner, filepath.Join(bin, "pg_ctl"), "stop", "-D", c.absDataDir(), "-m", "fast", "-w").CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: pg_ctl stop: %v: %s", err, out)
	}
	c.logf("%s cluster stopped", c.Name)
	return nil
}

// Status describes the cluster in one line.
func (c Cluster) Status(ctx context.Context) (string, error) {
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err != nil {
		return fmt.Sprintf("%s: not initialised (%s)", c.Name, c.dataDir()), nil
	}
	if running, _ := c.running(ctx, bin, owner); running {
		return fmt.Sprintf("%s: running on 127.0.0.1:%d, data in %s", c.Name, c.Port, c.dataDir()), nil
	}
	return fmt.Sprintf("%s: stopped, data in %s", c.Name, c.dataDir()), nil
}

func (c Cluster) absDataDir() string {
	p, err := filepath.Abs(c.dataDir())
	if err != nil {
		return c.dataDir()
	}
	return p
}

// binDir finds the PostgreSQL server binaries: PG_BIN_DIR, then the newest
// /usr/lib/postgresql/*/bin, then PATH. When none is found and installing is
// allowed and possible, it installs Debian's postgresql package.
func (c Cluster) binDir(ctx context.Context) (string, error) {
	if dir := findBinDir(); dir != "" {
		return dir, nil
	}
	if c.Install && os.Geteuid() == 0 {
		if _, err := exec.LookPath("apt-get"); err == nil {
			c.logf("PostgreSQL server not found; installing Debian's postgresql package")
			for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
				cmd := exec.CommandContext(ctx, "apt-get", args...)
				cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
				if out, err := cmd.CombinedOutput(); err != nil {
					return "", fmt.Errorf("devdb: apt-get %s failed: %v\n%s", args[0], err, tail(out))
				}
			}
			if dir := findBinDir(); dir != "" {
				return dir, nil
			}
		}
	}
	return "", errors.New("devdb: PostgreSQL server binaries not found: install PostgreSQL 15 or newer (Debian: apt-get install postgresql) or set DATABASE_URL")
}

// Tool returns the path of one of PostgreSQL's programs (pgbench, psql)
// beside the server binaries the clusters run.
func (c Cluster) Tool(ctx context.Context, name string) (string, error) {
	dir, err := c.binDir(ctx)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("devdb: %s not found beside the server binaries: %w", name, err)
	}
	return p, nil
}

func findBinDir() string {
	if dir := os.Getenv("PG_BIN_DIR"); dir != "" {
		return dir
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0])
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
	}
	return ""
}

func pgMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// osUser is who runs the server; nil means the invoking user.
type osUser struct {
	name     string
	uid, gid uint32
}

// serverUser returns the OS user the server runs as: the invoking user unless
// that is root, else "postgres" or a system user created for the purpose.
func (c Cluster) serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup(dbUserName); err != nil {
			c.logf("creating system user %s to run PostgreSQL (it refuses to run as root)", dbUserName)
			out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", dbUserName).CombinedOutput()
			if err != nil {
				return nil, fmt.Errorf("devdb: useradd %s: %v: %s", dbUserName, err, out)
			}
			if u, err = user.Lookup(dbUserName); err != nil {
				return nil, fmt.Errorf("devdb: %w", err)
			}
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &osUser{name: u.Username, uid: uint32(uid), gid: uint32(gid)}, nil
}

// command runs a program as the server's OS user, in its own process group so
// that a Ctrl-C meant for the app never reaches the database.
func (c Cluster) command(ctx context.Context, owner *osUser, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Dir = filepath.Dir(c.absDataDir())
	if owner != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + filepath.Dir(c.absDataDir())}
	}
	return cmd
}

func (c Cluster) initdb(ctx context.Context, bin string, owner *osUser) error {
	c.logf("initialising the %s cluster in %s", c.Name, c.dataDir())
	base := c.serverBase()
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	for _, d := range []string{c.dataDir(), c.runDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
	}
	password := make([]byte, 18)
	if _, err := rand.Read(password); err != nil {
		return err
	}
	pw := hex.EncodeToString(password)
	// initdb reads the password from a file the server user can read; it is
	// removed at once and the lasting copy stays readable by the invoker only.
	tmpPw := filepath.Join(c.runDir(), "initdb.pw")
	if err := os.WriteFile(tmpPw, []byte(pw+"\n"), 0o600); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	defer os.Remove(tmpPw)
	if owner != nil {
		for _, p := range []string{base, c.dataDir(), c.runDir(), tmpPw} {
			if err := os.Chown(p, int(owner.uid), int(owner.gid)); err != nil {
				return fmt.Errorf("devdb: %w", err)
			}
		}
		if out, err := c.command(ctx, owner, "test", "-w", c.absDataDir()).CombinedOutput(); err != nil {
			return fmt.Errorf("devdb: user %s cannot reach %s (a parent folder is closed to other users; move the project or make its parents traversable with chmod o+x): %v %s",
				owner.name, c.absDataDir(), err, out)
		}
	}
	absPw, _ := filepath.Abs(tmpPw)
	out, err := c.command(ctx, owner, filepath.Join(bin, "initdb"),
		"-D", c.absDataDir(), "-U", DatabaseUser, "--auth=scram-sha-256", "--pwfile="+absPw,
		"--encoding=UTF8", "--no-locale", "--no-instructions").CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: initdb: %v\n%s", err, tail(out))
	}
	return os.WriteFile(c.passFile(), []byte(pw+"\n"), 0o600)
}

func (c Cluster) running(ctx context.Context, bin string, owner *osUser) (bool, error) {
	err := c.command(ctx, owner, filepath.Join(bin, "pg_ctl"), "status", "-D", c.absDataDir()).Run()
	return err == nil, err
}

func (c Cluster) start(ctx context.Context, bin string, owner *osUser) error {
	runDir, _ := filepath.Abs(c.runDir())
	logFile, _ := filepath.Abs(c.logFile())
	if owner != nil {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		f.Close()
		_ = os.Chown(logFile, int(owner.uid), int(owner.gid))
	}
	opts := []string{
		"-p", strconv.Itoa(c.Port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + runDir,
		"-c", "max_connections=400",
		"-c", "timezone=UTC",
	}
	if c.Fast {
		opts = append(opts, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	if c.Archive {
		if err := os.MkdirAll(c.archiveDir(), 0o700); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		if owner != nil {
			if err := os.Chown(c.archiveDir(), int(owner.uid), int(owner.gid)); err != nil {
				return fmt.Errorf("devdb: %w", err)
			}
		}
		opts = append(opts, c.archiveOptions()...)
	}
	c.logf("starting the %s cluster on 127.0.0.1:%d", c.Name, c.Port)
	out, err := c.command(ctx, owner, filepath.Join(bin, "pg_ctl"), "start", "-D", c.absDataDir(),
		"-l", logFile, "-w", "-t", "60", "-o", strings.Join(opts, " ")).CombinedOutput()
	if err != nil {
		logTail, _ := os.ReadFile(logFile)
		return fmt.Errorf("devdb: pg_ctl start: %v\n%s\n%s", err, tail(out), tail(logTail))
	}
	return nil
}

func (c Cluster) createDatabase(ctx context.Context, dbname string) error {
	admin, err := c.URL("postgres")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&exists); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize()+CreateOptions); err != nil {
		return fmt.Errorf("devdb: create database %s: %w", dbname, err)
	}
	c.logf("created database %s", dbname)
	return nil
}

// lockFile takes an exclusive lock on path, waiting for other processes.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("devdb: waiting for lock %s: %w", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func tail(b []byte) string {
	const n = 2000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// WithDatabase returns the connection URL raw with its database replaced by
// name (raw itself when it is not a URL).
func WithDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}
