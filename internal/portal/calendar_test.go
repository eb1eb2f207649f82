package portal

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// TestCalendarAcrossClockChanges: the weekly calendar lays out the
// policy package's windows by the zone's wall clock on the days clocks
// change, and its list gives each window's real length: 8 hours on the
// clock may be 7 or 9 hours, a window that starts in a skipped hour
// starts when the clocks jump, and a window crossing midnight is drawn in
// two columns.
func TestCalendarAcrossClockChanges(t *testing.T) {
	start := policy.Date{Year: 2026, Month: 1, Day: 1}
	tod := func(s string) policy.TimeOfDay {
		v, err := policy.ParseTimeOfDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name     string
		sched    policy.Schedule
		now      string // RFC 3339
		windows  []string
		changes  []string
		column   int // a day whose segments are checked
		segments [][2]int
	}{
		{
			name:  "Lisbon springs forward under a night window",
			sched: policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Daily, From: tod("00:30"), To: tod("03:30"), Start: start},
			now:   "2027-03-27T12:00:00Z", // Saturday; clocks jump 01:00 → 02:00 on Sunday 28 March
			windows: []string{"Sat 27 Mar 00:30 – 03:30 (3 h)", "Sun 28 Mar 00:30 – 03:30 (2 h)", "Mon 29 Mar 00:30 – 03:30 (3 h)",
				"Tue 30 Mar 00:30 – 03:30 (3 h)", "Wed 31 Mar 00:30 – 03:30 (3 h)", "Thu 1 Apr 00:30 – 03:30 (3 h)", "Fri 2 Apr 00:30 – 03:30 (3 h)"},
			changes:  []string{"Clocks go forward 1 h on Sun 28 Mar at 01:00"},
			column:   1,
			segments: [][2]int{{calendarTop + 8, 3 * hourPx}}, // 00:30 to 03:30 on the wall, as on other days
		},
		{
			name:     "New York falls back during office hours' night",
			sched:    policy.Schedule{Zone: "America/New_York", Every: policy.Weekdays, From: tod("22:00"), To: tod("06:00"), Start: start},
			now:      "2026-10-30T16:00:00Z", // Friday; clocks fall back 02:00 → 01:00 on Sunday 1 November
			windows:  []string{"Thu 29 Oct 22:00 – Fri 30 Oct 06:00 (8 h)", "Fri 30 Oct 22:00 – Sat 31 Oct 06:00 (8 h)", "Mon 2 Nov 22:00 – Tue 3 Nov 06:00 (8 h)", "Tue 3 Nov 22:00 – Wed 4 Nov 06:00 (8 h)", "Wed 4 Nov 22:00 – Thu 5 Nov 06:00 (8 h)", "Thu 5 Nov 22:00 – Fri 6 Nov 06:00 (8 h)"},
			changes:  []string{"Clocks go back 1 h on Sun 1 Nov at 02:00"},
			column:   1, // Saturday: the end of Friday's window only
			segments: [][2]int{{calendarTop, 6 * hourPx}},
		},
		{
			name:     "New York: a window across the fall-back night lasts 9 hours",
			sched:    policy.Schedule{Zone: "America/New_York", Every: policy.Daily, From: tod("22:00"), To: tod("06:00"), Start: start},
			now:      "2026-10-31T16:00:00Z",
			windows:  []string{"Fri 30 Oct 22:00 – Sat 31 Oct 06:00 (8 h)", "Sat 31 Oct 22:00 – Sun 1 Nov 06:00 (9 h)"},
			changes:  []string{"Clocks go back 1 h on Sun 1 Nov at 02:00"},
			column:   1, // Sunday: 00:00–06:00 on the wall
			segments: [][2]int{{calendarTop, 6 * hourPx}, {calendarTop + 22*hourPx, 2 * hourPx}},
		},
		{
			name:     "a window starting in the skipped hour starts when the clocks jump",
			sched:    policy.Schedule{Zone: "America/New_York", Every: policy.Daily, From: tod("02:30"), To: tod("04:00"), Start: start},
			now:      "2027-03-14T05:00:00Z", // Sunday 00:00 in New York; clocks jump 02:00 → 03:00
			windows:  []string{"Sun 14 Mar 03:00 – 04:00 (1 h)", "Mon 15 Mar 02:30 – 04:00 (1 h 30 min)"},
			changes:  []string{"Clocks go forward 1 h on Sun 14 Mar at 02:00"},
			column:   0,
			segments: [][2]int{{calendarTop + 3*hourPx, hourPx}},
		},
		{
			name:     "Lord Howe moves its clocks by 30 minutes",
			sched:    policy.Schedule{Zone: "Australia/Lord_Howe", Every: policy.Daily, From: tod("01:00"), To: tod("03:00"), Start: start},
			now:      "2026-10-03T12:00:00Z", // Saturday 23:00 there; clocks jump 02:00 → 02:30 on Sunday 4 October
			windows:  []string{"Sat 3 Oct 01:00 – 03:00 (2 h)", "Sun 4 Oct 01:00 – 03:00 (1 h 30 min)", "Mon 5 Oct 01:00 – 03:00 (2 h)"},
			changes:  []string{"Clocks go forward 30 min on Sun 4 Oct at 02:00"},
			column:   1,
			segments: [][2]int{{calendarTop + 1*hourPx, 2 * hourPx}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			tt, err := c.sched.Compile()
			if err != nil {
				t.Fatal(err)
			}
			now, _ := time.Parse(time.RFC3339, c.now)
			cal := newCalendar(tt, c.sched.Zone, now)
			var words []string
			for _, w := range cal.Windows {
				words = append(words, w.Words)
			}
			if len(words) < len(c.windows) || !slices.Equal(words[:len(c.windows)], c.windows) {
				t.Errorf("windows\n%s\nwant (first ones)\n%s", strings.Join(words, "\n"), strings.Join(c.windows, "\n"))
			}
			if !slices.Equal(cal.Changes, c.changes) {
				t.Errorf("changes %q, want %q", cal.Changes, c.changes)
			}
			if len(cal.Days) != calendarDays || !cal.Days[0].Today {
				t.Fatalf("%d days, first today: %v", len(cal.Days), cal.Days[0].Today)
			}
			var segs [][2]int
			for _, s := range cal.Days[c.column].Segments {
				segs = append(segs, [2]int{s.Y, s.H})
			}
			if !slices.Equal(segs, c.segments) {
				t.Errorf("day %d (%s %s) segments %v, want %v", c.column, cal.Days[c.column].Weekday, cal.Days[c.column].Day, segs, c.segments)
			}
		})
	}
}
