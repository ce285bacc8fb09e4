package devdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backups use PostgreSQL's own tools: a base backup (pg_basebackup) plus the
// cluster's continuous WAL archive (archive_command copies each finished WAL
// segment into the archive folder). A restore puts the base backup in place
// of the data folder and replays the archived WAL (restore_command) up to a
// point in time, a WAL position or the end, then promotes the cluster.

// Throwaway returns a durable cluster of its own under root on a free port
// of 127.0.0.1, for tests that stop PostgreSQL under the platform or restore
// it from a backup. Remove deletes it.
func Throwaway(name, root string, archive bool) (Cluster, error) {
	port, err := FreePort()
	if err != nil {
		return Cluster{}, err
	}
	// The server's OS user must reach the folder (tools falls back to /var/lib
	// otherwise); a test's temporary folder is private to its creator.
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			return Cluster{}, fmt.Errorf("devdb: %w", err)
		}
	}
	return Cluster{Name: name, Port: port, Root: root, Archive: archive, Log: io.Discard}, nil
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devdb: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ArchiveDir is where the cluster's WAL segments are archived: beside its
// data folder, owned by the server's OS user.
func (c Cluster) ArchiveDir() string {
	c, _, _, err := c.tools(context.Background())
	if err != nil {
		return c.archiveDir()
	}
	return c.archiveDir()
}

func (c Cluster) archiveDir() string {
	p, _ := filepath.Abs(filepath.Join(c.serverBase(), "wal-archive"))
	return p
}

// archiveOptions are the server options of continuous archiving.
func (c Cluster) archiveOptions() []string {
	dir := c.archiveDir()
	return []string{"-c", "wal_level=replica", "-c", "archive_mode=on",
		"-c", fmt.Sprintf(`archive_command='test ! -f %[1]s/%%f && cp %%p %[1]s/%%f'`, dir),
		"-c", "archive_timeout=60"}
}

// ArchiveNow closes the current WAL segment and waits until the archive has
// it, so everything committed before the call can be restored.
func (c Cluster) ArchiveNow(ctx context.Context) error {
	url, err := c.URL("postgres")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(ctx)
	var segment string
	if err := conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&segment); err != nil {
		return fmt.Errorf("devdb: switch WAL: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var last *string
		if err := conn.QueryRow(ctx, "SELECT last_archived_wal FROM pg_stat_archiver").Scan(&last); err != nil {
			return fmt.Errorf("devdb: archiver: %w", err)
		}
		// Segment names of one timeline sort in WAL order.
		if last != nil && len(*last) == len(segment) && *last >= segment {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb %s: WAL segment %s not archived after a minute (see %s)", c.Name, segment, c.logFile())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// StopNow stops the cluster with pg_ctl's immediate mode: the server quits at
// once, without a checkpoint, as if it crashed; the next start recovers.
func (c Cluster) StopNow(ctx context.Context) error {
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return err
	}
	if out, err := c.command(ctx, owner, filepath.Join(bin, "pg_ctl"), "stop", "-D", c.absDataDir(), "-m", "immediate", "-w").CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: pg_ctl stop -m immediate: %v: %s", err, out)
	}
	return nil
}

// Remove stops the cluster and deletes its files.
func (c Cluster) Remove(ctx context.Context) error {
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return err
	}
	if running, _ := c.running(ctx, bin, owner); running {
		_ = c.StopNow(ctx)
	}
	return errors.Join(os.RemoveAll(c.serverBase()), os.Remove(c.passFile()), os.Remove(c.lockFile()))
}

// Backup writes a base backup of the running cluster into dir (created; it
// must not exist or be empty) and returns the WAL position it ends at. The
// cluster must archive its WAL (Archive), or a restore has nothing to replay
// after the backup's end.
func (c Cluster) Backup(ctx context.Context, dir string) (string, error) {
	if !c.Archive {
		return "", fmt.Errorf("devdb %s: WAL archiving is off, so a base backup could not be rolled forward", c.Name)
	}
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return "", err
	}
	pw, err := os.ReadFile(c.passFile())
	if err != nil {
		return "", fmt.Errorf("devdb %s: %w", c.Name, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("devdb: %w", err)
	}
	if owner != nil {
		if err := os.Chown(abs, int(owner.uid), int(owner.gid)); err != nil {
			return "", fmt.Errorf("devdb: %w", err)
		}
	}
	cmd := c.command(ctx, owner, filepath.Join(bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", fmt.Sprint(c.Port), "-U", DatabaseUser,
		"-D", abs, "-X", "stream", "--checkpoint=fast", "--no-password")
	cmd.Dir = abs
	cmd.Env = append(cmd.Env, "PGPASSWORD="+strings.TrimSpace(string(pw)))
	if owner == nil {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+strings.TrimSpace(string(pw)))
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("devdb: pg_basebackup: %v\n%s", err, tail(out))
	}
	label, err := os.ReadFile(filepath.Join(abs, "backup_label"))
	if err != nil {
		return "", fmt.Errorf("devdb: the base backup has no backup_label: %w", err)
	}
	c.logf("base backup of the %s cluster written to %s", c.Name, abs)
	return labelField(string(label), "START WAL LOCATION"), nil
}

func labelField(label, name string) string {
	for _, line := range strings.Split(label, "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return strings.Fields(v)[0]
		}
	}
	return ""
}

// Target is where a restore stops replaying the archived WAL: a moment
// (recovery_target_time), a WAL position (recovery_target_lsn) or, with
// neither, the end of the archive.
type Target struct {
	Time time.Time
	LSN  string
}

// Restore replaces the cluster's data with the base backup in dir and replays
// its WAL archive up to target, then promotes it: the cluster is stopped,
// restored, started, and Restore returns once it accepts writes. The data
// folder it replaces is kept beside it (data.before-restore-<time>) until the
// next restore.
func (c Cluster) Restore(ctx context.Context, dir string, target Target) error {
	c, bin, owner, err := c.tools(ctx)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "backup_label")); err != nil {
		return fmt.Errorf("devdb: %s is not a base backup: %w", dir, err)
	}
	if running, _ := c.running(ctx, bin, owner); running {
		if err := c.Stop(ctx); err != nil {
			return err
		}
	}
	data := c.absDataDir()
	if _, err := os.Stat(data); err == nil {
		old, _ := filepath.Glob(filepath.Join(filepath.Dir(data), "data.before-restore-*"))
		for _, o := range old {
			_ = os.RemoveAll(o)
		}
		if err := os.Rename(data, data+".before-restore-"+time.Now().UTC().Format("20060102T150405")); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
	}
	// The copy is made by the server's OS user, so it owns every file.
	if out, err := c.command(ctx, owner, "cp", "-a", dir, data).CombinedOutput(); err != nil {
		return fmt.Errorf("devdb: copy the base backup: %v: %s", err, out)
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	conf := []string{
		"# written by lineescrow devdb restore",
		fmt.Sprintf("restore_command = 'cp %s/%%f %%p'", c.archiveDir()),
		"recovery_target_action = 'promote'",
	}
	switch {
	case target.LSN != "":
		conf = append(conf, fmt.Sprintf("recovery_target_lsn = '%s'", target.LSN), "recovery_target_inclusive = true")
	case !target.Time.IsZero():
		conf = append(conf, fmt.Sprintf("recovery_target_time = '%s'", target.Time.UTC().Format("2006-01-02 15:04:05.999999+00")),
			"recovery_target_inclusive = true")
	}
	auto := filepath.Join(data, "postgresql.auto.conf")
	f, err := os.OpenFile(auto, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	_, werr := f.WriteString("\n" + strings.Join(conf, "\n") + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	signal := filepath.Join(data, "recovery.signal")
	if err := os.WriteFile(signal, nil, 0o600); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if owner != nil {
		for _, p := range []string{auto, signal} {
			if err := os.Chown(p, int(owner.uid), int(owner.gid)); err != nil {
				return fmt.Errorf("devdb: %w", err)
			}
		}
	}
	c.logf("restoring the %s cluster from %s", c.Name, dir)
	if err := c.start(ctx, bin, owner); err != nil {
		return err
	}
	return c.waitPromoted(ctx)
}

// waitPromoted waits until the cluster has left recovery.
func (c Cluster) waitPromoted(ctx context.Context) error {
	url, err := c.URL("postgres")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			var recovering bool
			err = conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering)
			conn.Close(ctx)
			if err == nil && !recovering {
				return nil
			}
		}
		if time.Now().After(deadline) {
			logTail, _ := os.ReadFile(c.logFile())
			return fmt.Errorf("devdb %s: still recovering after two minutes: %v\n%s", c.Name, err, tail(logTail))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
