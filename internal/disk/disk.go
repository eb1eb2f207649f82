package disk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
)

// ErrUnsupported is returned by Stat where the platform cannot tell.
var ErrUnsupported = errors.New("disk: free space cannot be read on this platform")

// Usage is one reading of a filesystem.
type Usage struct {
	Free     uint64 // bytes an unprivileged writer may still use
	Total    uint64 // bytes in the filesystem
	ReadOnly bool
}

// FreeRatio is Free/Total (1 for an empty reading).
func (u Usage) FreeRatio() float64 {
	if u.Total == 0 {
		return 1
	}
	return float64(u.Free) / float64(u.Total)
}

// Monitor watches one directory's filesystem. Its methods are safe for
// concurrent use.
type Monitor struct {
	// Dir is the directory whose filesystem is watched.
	Dir string
	// WarnBelow and FailBelow are free-space ratios (0.10 is 10%): below
	// the first the log warns, once an hour; below the second Problem
	// reports the node not ready.
	WarnBelow, FailBelow float64
	Log                  *slog.Logger
	Clock                clock.Clock
	// Stat reads a filesystem; nil is statfs(2). Tests inject readings.
	Stat func(dir string) (Usage, error)

	mu       sync.Mutex
	lastWarn time.Time
}

func (m *Monitor) stat() (Usage, error) {
	if m.Stat != nil {
		return m.Stat(m.Dir)
	}
	return Stat(m.Dir)
}

// Read reads the filesystem now.
func (m *Monitor) Read() (Usage, error) { return m.stat() }

// Problem says why the node should not take checks because of its disk:
// the filesystem is read-only, or its free space is below FailBelow. It is
// nil when the disk is fine or cannot be read on this platform.
func (m *Monitor) Problem() error {
	u, err := m.stat()
	switch {
	case errors.Is(err, ErrUnsupported):
		return nil
	case err != nil:
		return fmt.Errorf("cannot read the free space of %s: %w", m.Dir, err)
	case u.ReadOnly:
		return fmt.Errorf("the filesystem of %s is read-only", m.Dir)
	case u.FreeRatio() < m.FailBelow:
		return fmt.Errorf("the filesystem of %s is %.1f%% free (%s of %s), below the %.0f%% the node needs to record checks",
			m.Dir, 100*u.FreeRatio(), size(u.Free), size(u.Total), 100*m.FailBelow)
	}
	return nil
}

// Check reads the filesystem and logs a warning when it is below
// WarnBelow, at most once an hour.
func (m *Monitor) Check() {
	u, err := m.stat()
	if err != nil || u.FreeRatio() >= m.WarnBelow {
		return
	}
	now := m.Clock.Now()
	m.mu.Lock()
	due := m.lastWarn.IsZero() || now.Sub(m.lastWarn) >= time.Hour
	if due {
		m.lastWarn = now
	}
	m.mu.Unlock()
	if due {
		m.Log.Warn("disk: the data directory's filesystem is running out of space; when it is full every check answers 503 (see docs/operations.md, \"A full disk\")",
			"dir", m.Dir, "free_percent", fmt.Sprintf("%.1f", 100*u.FreeRatio()), "free", size(u.Free), "total", size(u.Total))
	}
}

// Watch runs Check every interval until ctx ends.
func (m *Monitor) Watch(ctx context.Context, every time.Duration) {
	m.Check()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.Check()
		}
	}
}

func size(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
