package store

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16_B374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, err := ParseLSN(in); err != nil || got != want {
			t.Errorf("ParseLSN(%q) = %x, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "16", "16/", "/1", "G/1", "1/100000000", "1/2/3"} {
		if _, err := ParseLSN(bad); err == nil {
			t.Errorf("ParseLSN(%q) accepted", bad)
		}
	}
}

// The replica is fresh exactly while it has replayed what the primary had
// written MaxLag ago or later.
func TestReplicaFreshness(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var primary, replay uint64
	var primaryErr error
	r := &Replica{MaxLag: 2 * time.Second, Log: slog.New(slog.DiscardHandler), now: func() time.Time { return now },
		primaryLSN: func(context.Context) (uint64, error) { return primary, primaryErr },
		replayLSN:  func(context.Context) (uint64, error) { return replay, nil }}
	ctx := context.Background()
	if r.Fresh() {
		t.Fatal("fresh before any probe")
	}
	var none *Replica
	if none.Fresh() {
		t.Fatal("no replica is fresh")
	}
	// Caught up at 10:00:00: fresh until 10:00:02.
	primary, replay = 100, 100
	r.Probe(ctx)
	if !r.Fresh() {
		t.Fatal("a caught-up replica is not fresh")
	}
	// The primary moves on, the replica stops replaying.
	for i := 1; i <= 4; i++ {
		now = now.Add(500 * time.Millisecond)
		primary += 10
		r.Probe(ctx)
		if want := i < 4; r.Fresh() != want {
			t.Fatalf("%s after the replica stopped: fresh %v, want %v", time.Duration(i)*500*time.Millisecond, r.Fresh(), want)
		}
	}
	// It replays up to the position of 10:00:01 (lsn 120): fresh until 10:00:03.
	replay = 120
	r.Probe(ctx)
	if !r.Fresh() {
		t.Fatal("a replica 1 s behind is not fresh")
	}
	now = now.Add(time.Second) // 10:00:03
	replay = 125               // still short of 10:00:01.5's 130
	r.Probe(ctx)
	if r.Fresh() {
		t.Fatal("fresh past its bound")
	}
	// A primary that cannot be asked extends nothing, even with a replica
	// that replays everything.
	primaryErr, replay = errors.New("down"), 1000
	r.Probe(ctx)
	now = now.Add(3 * time.Second)
	r.Probe(ctx)
	if r.Fresh() {
		t.Fatal("fresh without the primary's position")
	}
}
