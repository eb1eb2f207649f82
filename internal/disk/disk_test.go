package disk

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		u       Usage
		err     error
		problem string // "" when ready
	}{
		{"plenty", Usage{Free: 50, Total: 100}, nil, ""},
		{"low but above the floor", Usage{Free: 5, Total: 100}, nil, ""},
		{"below the floor", Usage{Free: 1, Total: 100}, nil, "1.0% free"},
		{"full", Usage{Free: 0, Total: 100}, nil, "0.0% free"},
		{"read-only", Usage{Free: 50, Total: 100, ReadOnly: true}, nil, "read-only"},
		{"unreadable", Usage{}, errors.New("EIO"), "cannot read"},
		{"unsupported platform", Usage{}, ErrUnsupported, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Monitor{Dir: "/data", WarnBelow: 0.10, FailBelow: 0.02,
				Stat: func(string) (Usage, error) { return tc.u, tc.err }}
			err := m.Problem()
			if (err == nil) != (tc.problem == "") || err != nil && !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("Problem() = %v, want %q", err, tc.problem)
			}
		})
	}
}

// TestWarnsOncePerHour: below WarnBelow the log warns, then stays quiet
// for an hour however often it is checked.
func TestWarnsOncePerHour(t *testing.T) {
	var logb bytes.Buffer
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	free := uint64(50)
	m := &Monitor{Dir: "/data", WarnBelow: 0.10, FailBelow: 0.02, Clock: clk,
		Log:  slog.New(slog.NewTextHandler(&logb, nil)),
		Stat: func(string) (Usage, error) { return Usage{Free: free, Total: 1000}, nil }}
	warnings := func() int { return strings.Count(logb.String(), "level=WARN") }
	m.Check()
	if warnings() != 1 {
		t.Fatalf("5%% free: %d warnings, want 1\n%s", warnings(), logb.String())
	}
	for range 59 {
		clk.Advance(time.Minute)
		m.Check()
	}
	if warnings() != 1 {
		t.Fatalf("within the hour: %d warnings, want 1", warnings())
	}
	clk.Advance(time.Minute)
	m.Check()
	if warnings() != 2 {
		t.Fatalf("after an hour: %d warnings, want 2", warnings())
	}
	free = 500
	clk.Advance(2 * time.Hour)
	m.Check()
	if warnings() != 2 {
		t.Fatalf("with space back: %d warnings, want 2", warnings())
	}
}

// TestStatReal reads a real filesystem.
func TestStatReal(t *testing.T) {
	u, err := Stat(t.TempDir())
	if errors.Is(err, ErrUnsupported) {
		t.Skip("free space is read on Linux only")
	}
	if err != nil || u.Total == 0 || u.Free > u.Total {
		t.Fatalf("Stat: %+v %v", u, err)
	}
	if _, err := Stat("/no/such/dir"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Stat of a missing directory: %v", err)
	}
}
