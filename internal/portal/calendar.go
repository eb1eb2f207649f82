package portal

import (
	"fmt"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// The weekly calendar of a scheduled policy: its windows over the coming
// seven days, in the policy's own time zone, drawn as SVG on the server
// (the CSP allows no inline style, and SVG attributes are not styles) and
// listed in words beside it. The windows come from the policy package's
// Timetable (Week), which decides daylight-saving changes and skipped
// hours: the calendar only lays them out by the wall clock of the zone,
// so a 09:00–17:00 window is drawn from 9 to 17 on a change day too, and
// the list says how long it really lasts.

// calendarDays is how many days the calendar shows, from today.
const calendarDays = 7

// hourPx is the height of an hour in the drawing, and calendarTop the
// height of the days' names above hour 0.
const hourPx, calendarTop = 16, 36

// calendar is the drawing and the list of a schedule's windows.
type calendar struct {
	Zone       string
	From, To   string // the days shown, in words
	Days       []calendarDay
	Windows    []calendarWindow
	Changes    []string // clock changes in the zone during these days
	Hours      []calendarHour
	Height     int    // of the drawing, pixels
	Top        int    // where hour 0 is drawn
	NowY       int    // the current time's line in today's column
	NowX, NowW string // today's column
}

type calendarDay struct {
	X, Mid, W    string // the column: its left edge, middle and width (percent)
	Weekday, Day string // "Mon", "30"
	Today        bool
	Segments     []calendarSegment
}

type calendarSegment struct {
	Y, H  int    // pixels
	Title string // the window it belongs to, in words
}

type calendarHour struct {
	Y     int
	Label string
}

type calendarWindow struct {
	Start, End time.Time // in the zone
	Words      string    // "Mon 30 Nov 09:00 – 17:00 (8 h)"
}

// newCalendar lays out tt's windows over the seven days from now's day in
// the schedule's zone.
func newCalendar(tt *policy.Timetable, zone string, now time.Time) calendar {
	loc := tt.Location()
	local := now.In(loc)
	y, m, d := local.Date()
	day := func(i int) time.Time { return time.Date(y, m, d+i, 0, 0, 0, 0, loc) }
	first, last := day(0), day(calendarDays)
	c := calendar{Zone: zone, From: first.Format("Mon 2 Jan"), To: day(calendarDays - 1).Format("Mon 2 Jan 2006"),
		Top: calendarTop, NowY: -1}
	c.Height = c.Top + 24*hourPx + 8
	for h := 0; h <= 24; h += 3 {
		c.Hours = append(c.Hours, calendarHour{Y: c.Top + h*hourPx, Label: fmt.Sprintf("%02d:00", h)})
	}
	// The windows of this calendar week and the next cover the seven
	// days; a window that crosses the weeks' edge is in both.
	var windows []policy.Window
	for _, w := range append(tt.Week(now), tt.Week(now.Add(calendarDays*24*time.Hour))...) {
		if w.End.After(first) && w.Start.Before(last) && (len(windows) == 0 || !windows[len(windows)-1].Start.Equal(w.Start)) {
			windows = append(windows, w)
		}
	}
	pct := func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) + "%" }
	for i := range calendarDays {
		start, end := day(i), day(i+1)
		cd := calendarDay{X: pct(float64(i) * 100 / calendarDays), Mid: pct((float64(i) + .5) * 100 / calendarDays),
			W: pct(100.0 / calendarDays), Weekday: start.Format("Mon"), Day: start.Format("2"), Today: i == 0}
		for _, w := range windows {
			cut, ok := w.Within(start, end)
			if !ok {
				continue
			}
			s, e := cut.Start, cut.End
			top, bottom := wallHours(s, loc), wallHours(e, loc)
			if s.Equal(start) {
				top = 0
			}
			if e.Equal(end) {
				bottom = 24
			}
			if bottom <= top { // a sliver inside a repeated hour
				bottom = top + .25
			}
			cd.Segments = append(cd.Segments, calendarSegment{Y: c.Top + int(top*hourPx), H: max(int((bottom-top)*hourPx), 2),
				Title: windowWords(w, loc)})
		}
		if i == 0 {
			c.NowX, c.NowW = cd.X, cd.W
			c.NowY = c.Top + int(wallHours(now, loc)*hourPx)
		}
		c.Days = append(c.Days, cd)
	}
	for _, w := range windows {
		c.Windows = append(c.Windows, calendarWindow{Start: w.Start.In(loc), End: w.End.In(loc), Words: windowWords(w, loc)})
	}
	// Clock changes in these days, as the zone's rules have them.
	for t := first; t.Before(last); {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(last) {
			break
		}
		_, before := end.Add(-time.Second).Zone()
		_, after := end.Zone()
		dir := "forward"
		if after < before {
			dir = "back"
		}
		shift := time.Duration(after-before) * time.Second
		if shift < 0 {
			shift = -shift
		}
		// The clocks' reading as they change, before the change.
		wall := end.Add(time.Duration(before) * time.Second).UTC()
		c.Changes = append(c.Changes, fmt.Sprintf("Clocks go %s %s on %s at %s", dir, humanDuration(shift),
			wall.Format("Mon 2 Jan"), wall.Format("15:04")))
		t = end
	}
	return c
}

// wallHours is t's wall-clock time in loc as hours after midnight.
func wallHours(t time.Time, loc *time.Location) float64 {
	l := t.In(loc)
	return float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
}

// windowWords says a window in its zone: "Mon 30 Nov 09:00 – 17:00 (8 h)",
// with the end's day when it ends on another, and its real length.
func windowWords(w policy.Window, loc *time.Location) string {
	s, e := w.Start.In(loc), w.End.In(loc)
	end := e.Format("15:04")
	if sy, sm, sd := s.Date(); !(e.Year() == sy && e.Month() == sm && e.Day() == sd) {
		end = e.Format("Mon 2 Jan 15:04")
	}
	return s.Format("Mon 2 Jan 15:04") + " – " + end + " (" + humanDuration(w.End.Sub(w.Start)) + ")"
}
