package policy

import (
	"testing"
	"time"
)

// TestWindows: an unlock schedule's windows over a period, cut to the
// period and to the policy's active span, merged with an overlapping
// execution of an alert policy, and nothing from a disabled policy or
// one of another action.
func TestWindows(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	sched := func(id, name string, action Action, from, to string) Policy {
		f, _ := ParseTimeOfDay(from)
		e, _ := ParseTimeOfDay(to)
		return Policy{ID: id, Name: name, Type: Scheduled, Action: action, Enabled: true, Assign: Assignments{Apps: []string{"app"}},
			Schedule: &Schedule{Every: Daily, From: f, To: e, Zone: "UTC", Start: Date{Year: 2026, Month: 11, Day: 1}}}
	}
	night := sched("p1", "night", Unlock, "22:00", "02:00")
	night.ActiveUntil = day(4, 1) // the last night is cut at 01:00
	off := sched("p2", "off", Unlock, "10:00", "11:00")
	off.Enabled = false
	alert := Policy{ID: "p3", Name: "alert", Type: Alert, Action: Unlock, Enabled: true, Assign: Assignments{Apps: []string{"app"}},
		Alert: &AlertRule{On: []Trigger{OnExecute}, For: time.Hour}}
	set, err := NewSet(Tenant{
		Policies:   []Policy{night, off, sched("p4", "lock", Lock, "09:00", "10:00"), alert},
		Executions: []Execution{{PolicyID: "p3", At: day(2, 23), Until: day(3, 3)}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := set.Windows(Account{App: "app"}, Unlock, day(2, 0), day(5, 0))
	want := []Window{
		{day(2, 0), day(2, 2)},  // the night that began on the 1st, cut at the period's start
		{day(2, 22), day(3, 3)}, // the second night joined with the execution
		{day(3, 22), day(4, 1)}, // the last night, cut by active_until
	}
	if len(got) != len(want) {
		t.Fatalf("Windows = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("window %d = %v, want %v", i, got[i], want[i])
		}
	}
	if got := set.Windows(Account{App: "other"}, Unlock, day(2, 0), day(5, 0)); len(got) != 0 {
		t.Errorf("Windows of an account no policy applies to = %v", got)
	}
	if got := set.Windows(Account{App: "app"}, Lock, day(2, 0), day(3, 0)); len(got) != 1 || !got[0].Start.Equal(day(2, 9)) {
		t.Errorf("lock windows = %v, want 09:00–10:00", got)
	}
}

// TestWindowWithin: a window cut to a period keeps only what lies in it,
// and a window wholly outside, or touching it only at an end, leaves
// nothing.
func TestWindowWithin(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 30, h, 0, 0, 0, time.UTC) }
	from, to := at(9), at(17)
	for _, tc := range []struct {
		name string
		w    Window
		want Window
		ok   bool
	}{
		{"inside", Window{at(10), at(12)}, Window{at(10), at(12)}, true},
		{"over the start", Window{at(7), at(10)}, Window{at(9), at(10)}, true},
		{"over the end", Window{at(16), at(20)}, Window{at(16), at(17)}, true},
		{"over both", Window{at(1), at(23)}, Window{at(9), at(17)}, true},
		{"before", Window{at(1), at(8)}, Window{}, false},
		{"touching the start", Window{at(7), at(9)}, Window{}, false},
		{"touching the end", Window{at(17), at(18)}, Window{}, false},
		{"empty", Window{at(10), at(10)}, Window{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.w.Within(from, to)
			if ok != tc.ok || (ok && (!got.Start.Equal(tc.want.Start) || !got.End.Equal(tc.want.End))) {
				t.Fatalf("%v.Within(%v, %v) = %v, %v; want %v, %v", tc.w, from, to, got, ok, tc.want, tc.ok)
			}
		})
	}
}
