package portal

import (
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestChartAxis: the activity chart's axis has whole-number ticks, and its
// text is not inside a viewBox that would scale it down.
func TestChartAxis(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 30, 0, 0, time.UTC)
	recs := func(n int) []store.CheckRecord {
		out := make([]store.CheckRecord, n)
		for i := range out {
			out[i] = store.CheckRecord{At: now.Add(-time.Minute), Locked: i == 0}
		}
		return out
	}
	for _, tc := range []struct {
		checks int
		want   []int
	}{
		{0, []int{0, 1}},
		{1, []int{0, 1}},
		{3, []int{0, 1, 2, 3}},
		{5, []int{0, 2, 4, 6}},
		{9, []int{0, 5, 10}},
		{23, []int{0, 10, 20, 30}},
		{400, []int{0, 100, 200, 300, 400}},
	} {
		c := newChart(recs(tc.checks), now)
		var got []int
		for _, tk := range c.Ticks {
			got = append(got, tk.Value)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%d checks: ticks %v, want %v", tc.checks, got, tc.want)
		}
		if c.Total != tc.checks || len(c.Bars) != 24 {
			t.Errorf("%d checks: total %d, %d bars", tc.checks, c.Total, len(c.Bars))
		}
		last := c.Bars[23]
		if last.Checks != tc.checks || (tc.checks > 0 && last.Y != c.Ticks[0].Y-last.H) {
			t.Errorf("%d checks: last bar %+v", tc.checks, last)
		}
	}
}

func TestStatusLabel(t *testing.T) {
	for in, want := range map[string]string{"pending_approval": "waiting for approval", "unlocked": "open",
		"not_enrolled": "not protected", "some_new_state": "some new state"} {
		if got := statusLabel(in); got != want {
			t.Errorf("statusLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
