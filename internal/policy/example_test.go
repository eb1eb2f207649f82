package policy_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// A 09:00–17:00 window is eight hours on the clock, also on the day New
// York moves its clocks forward; a window starting at 02:30 that day opens
// at 03:00, the first instant after the skipped hour.
func ExampleTimetable_Window() {
	for _, from := range []string{"09:00", "02:30"} {
		start, _ := policy.ParseTimeOfDay(from)
		end := start + 8*60
		tt, err := policy.Schedule{Zone: "America/New_York", Every: policy.Daily,
			From: start, To: end, Start: policy.Date{Year: 2026, Month: time.March, Day: 1}}.Compile()
		if err != nil {
			panic(err)
		}
		w, _ := tt.Window(time.Date(2026, time.March, 8, 0, 0, 0, 0, tt.Location()))
		fmt.Printf("%s–%s: %s to %s, %s\n", start, end, w.Start.Format("15:04 MST"), w.End.Format("15:04 MST"), w.End.Sub(w.Start))
	}
	// Output:
	// 09:00–17:00: 09:00 EDT to 17:00 EDT, 8h0m0s
	// 02:30–10:30: 03:00 EDT to 10:30 EDT, 7h30m0s
}

// Finance accounts open only on weekdays 08:00–18:00 Lisbon time, and
// only from the office network or Portugal.
func ExampleSet_Evaluate() {
	hours := policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Weekdays, From: 8 * 60, To: 18 * 60,
		Start: policy.Date{Year: 2026, Month: time.December, Day: 1}}
	finance := policy.Assignments{Groups: []string{"grp-finance"}}
	set, err := policy.NewSet(policy.Tenant{
		Groups: []policy.Group{{ID: "grp-finance", Name: "finance", Members: []string{"mem-alice"}}},
		Policies: []policy.Policy{
			{ID: "pol-hours", Name: "Finance office hours", Type: policy.Scheduled, Action: policy.Unlock,
				Enabled: true, Assign: finance, Schedule: &hours},
			{ID: "pol-office", Name: "Office network", Type: policy.Context, Action: policy.Lock,
				Enabled: true, Assign: finance, Context: &policy.ContextRule{AllowCIDRs: []string{"10.20.0.0/16"}}},
		},
	}, nil) // no GeoIP database in this example: only the network rule
	if err != nil {
		panic(err)
	}
	alice := policy.Account{App: "app-erp", Owner: "mem-alice"}
	office := netip.MustParseAddr("10.20.3.4")
	for _, c := range []struct {
		at string
		ip netip.Addr
	}{
		{"2026-12-07T09:00:00Z", office},
		{"2026-12-07T20:00:00Z", office},
		{"2026-12-07T09:00:00Z", netip.MustParseAddr("192.0.2.9")},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		v := set.Evaluate(alice, at, c.ip)
		fmt.Printf("%s from %s: denied %v, unlocked by schedule %v, decided by %q\n", c.at, c.ip, v.ContextDenied, v.Scheduled, v.Decider())
	}
	// Output:
	// 2026-12-07T09:00:00Z from 10.20.3.4: denied false, unlocked by schedule true, decided by "pol-hours"
	// 2026-12-07T20:00:00Z from 10.20.3.4: denied false, unlocked by schedule false, decided by ""
	// 2026-12-07T09:00:00Z from 192.0.2.9: denied true, unlocked by schedule true, decided by "pol-office"
}
