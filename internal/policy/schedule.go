package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // zones resolve even on hosts without a zoneinfo database
)

// Frequency is how often a schedule's window recurs.
type Frequency string

// Frequencies, as NL3 names them.
const (
	Daily    Frequency = "daily"
	Weekdays Frequency = "weekdays" // Monday to Friday
	Weekly   Frequency = "weekly"   // on Days
	Biweekly Frequency = "biweekly" // on Days, every other week from Start's week
	Monthly  Frequency = "monthly"  // on MonthDay
	Annually Frequency = "annually" // on Start's month and day
)

// LastDay as a MonthDay means the last day of each month.
const LastDay = -1

// Schedule is a window of wall-clock time in one time zone that recurs
// from a start date, optionally until an end date. See the package
// documentation for what it means across daylight-saving changes and in
// short months.
type Schedule struct {
	// Zone is an IANA time zone name such as Europe/Lisbon.
	Zone  string    `json:"zone"`
	Every Frequency `json:"every"`
	// Days are the weekdays of a weekly or biweekly schedule; none means
	// Start's weekday.
	Days []time.Weekday `json:"days,omitempty"`
	// MonthDay is the day of a monthly schedule, 1 to 31 or LastDay; 0
	// means Start's day.
	MonthDay int `json:"month_day,omitempty"`
	// From and To bound the window on each day it occurs. To at or before
	// From means the window ends on the next day (it crosses midnight);
	// To == From is refused.
	From TimeOfDay `json:"from"`
	To   TimeOfDay `json:"to"`
	// Start is the first day the window may open; End, if set, the last
	// (a window opening on End may run past midnight).
	Start Date `json:"start"`
	End   Date `json:"end,omitzero"`
}

// Window is one opening of a schedule, [Start, End).
type Window struct {
	Start, End time.Time
}

// Contains reports whether t is in w.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Within is w cut to [from, to); ok is false when nothing of w is left.
func (w Window) Within(from, to time.Time) (cut Window, ok bool) {
	cut = Window{Start: later(w.Start, from), End: w.End}
	if to.Before(cut.End) {
		cut.End = to
	}
	return cut, cut.End.After(cut.Start)
}

// Timetable is a validated Schedule ready to answer questions about time.
// It is immutable and safe for concurrent use; its methods do not allocate
// unless they return a slice (or Active moves to another stretch, see
// stretch).
type Timetable struct {
	// last is the stretch of time Active answered from last: the lock
	// check asks about "now" over and over, and within one stretch the
	// answer is two comparisons instead of a zone lookup.
	last atomic.Pointer[stretch]

	loc      *time.Location
	every    Frequency
	days     uint8 // bit i: time.Weekday(i)
	monthDay int   // resolved: 1–31 or LastDay
	from, to TimeOfDay
	start    dayNumber
	end      dayNumber // inclusive; hasEnd
	hasEnd   bool
	startW   int // Start's week, for biweekly
	annual   Date
}

// Compile validates s and returns its Timetable. The error names every
// field that is wrong.
func (s Schedule) Compile() (*Timetable, error) {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("schedule.%s: %s", field, fmt.Sprintf(format, a...)))
	}
	tt := &Timetable{every: s.Every, from: s.From, to: s.To}
	switch {
	case s.Zone == "":
		bad("zone", "missing: name an IANA time zone such as Europe/Lisbon")
	case strings.EqualFold(s.Zone, "local"):
		bad("zone", "%q depends on the server: name an IANA time zone such as Europe/Lisbon", s.Zone)
	default:
		loc, err := time.LoadLocation(s.Zone)
		if err != nil {
			bad("zone", "%q is not an IANA time zone such as Europe/Lisbon", s.Zone)
		}
		tt.loc = loc
	}
	switch s.Every {
	case Daily, Weekdays, Monthly, Annually:
		if len(s.Days) > 0 {
			bad("days", "only weekly and biweekly schedules take days")
		}
	case Weekly, Biweekly:
		for _, d := range s.Days {
			if d < time.Sunday || d > time.Saturday {
				bad("days", "%d is not a weekday", d)
				continue
			}
			tt.days |= 1 << d
		}
	case "":
		bad("every", "missing: one of daily, weekdays, weekly, biweekly, monthly, annually")
	default:
		bad("every", "%q is not one of daily, weekdays, weekly, biweekly, monthly, annually", s.Every)
	}
	if s.MonthDay != 0 && s.Every != Monthly {
		bad("month_day", "only monthly schedules take a day of the month")
	}
	if s.MonthDay != 0 && s.MonthDay != LastDay && (s.MonthDay < 1 || s.MonthDay > 31) {
		bad("month_day", "%d is not a day of the month (1 to 31, or last)", s.MonthDay)
	}
	if s.From < 0 || s.From >= EndOfDay {
		bad("from", "%d is not a time from 00:00 to 23:59", s.From)
	}
	if s.To < 0 || s.To > EndOfDay {
		bad("to", "%d is not a time from 00:00 to 24:00", s.To)
	}
	if s.From == s.To {
		bad("to", "the window %s–%s is empty: to must differ from from (use 00:00–24:00 for a whole day)", s.From, s.To)
	}
	switch {
	case s.Start.IsZero():
		bad("start", "missing: the first day the window may open")
	case !s.Start.valid():
		bad("start", "%04d-%02d-%02d is not a day of the calendar", s.Start.Year, int(s.Start.Month), s.Start.Day)
	default:
		tt.start = s.Start.number()
		tt.startW = tt.start.week()
		tt.annual = s.Start
		if tt.days == 0 {
			tt.days = 1 << tt.start.weekday()
		}
		tt.monthDay = s.MonthDay
		if tt.monthDay == 0 {
			tt.monthDay = s.Start.Day
		}
	}
	if !s.End.IsZero() {
		switch {
		case !s.End.valid():
			bad("end", "%04d-%02d-%02d is not a day of the calendar", s.End.Year, int(s.End.Month), s.End.Day)
		case s.Start.valid() && s.End.number() < s.Start.number():
			bad("end", "%s is before the start %s", s.End, s.Start)
		default:
			tt.end, tt.hasEnd = s.End.number(), true
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return tt, nil
}

// Location is the schedule's time zone.
func (tt *Timetable) Location() *time.Location { return tt.loc }

// occurs reports whether a window opens on day n.
func (tt *Timetable) occurs(n dayNumber) bool {
	if n < tt.start || (tt.hasEnd && n > tt.end) {
		return false
	}
	switch tt.every {
	case Daily:
		return true
	case Weekdays:
		wd := n.weekday()
		return wd != time.Saturday && wd != time.Sunday
	case Weekly:
		return tt.days&(1<<n.weekday()) != 0
	case Biweekly:
		return tt.days&(1<<n.weekday()) != 0 && (n.week()-tt.startW)%2 == 0
	case Monthly:
		d := n.date()
		if tt.monthDay == LastDay {
			return d.Day == daysIn(d.Year, d.Month)
		}
		return d.Day == tt.monthDay
	case Annually:
		d := n.date()
		return d.Month == tt.annual.Month && d.Day == tt.annual.Day
	}
	return false
}

// window is the window that opens on day n (it may be empty when both
// ends fall in the same skipped hour).
func (tt *Timetable) window(n dayNumber) Window {
	endDay := n
	if tt.to <= tt.from {
		endDay++
	}
	return Window{wallTime(n, tt.from, tt.loc), wallTime(endDay, tt.to, tt.loc)}
}

// stretch is a span of time [from, until) throughout which a Timetable is
// open (open) or shut: a window (with the windows joined to it) or the gap
// before the next one. It is a fact about the timetable, so remembering it
// never changes an answer.
type stretch struct {
	from, until time.Time // until zero: for ever
	open        bool
}

// Active reports whether a window is open at t. It runs on every lock
// check: within the stretch it last answered from (a window, or the gap
// before the next) it compares two instants; otherwise it works the answer
// out (active) and remembers the stretch t is in.
func (tt *Timetable) Active(t time.Time) bool {
	if s := tt.last.Load(); s != nil && !t.Before(s.from) && (s.until.IsZero() || t.Before(s.until)) {
		return s.open
	}
	open := tt.active(t)
	// The stretch comes from Window, which agrees with active everywhere
	// (TestActiveMatchesWindow, FuzzSchedule); remember it only when the
	// two agree at t, so that a disagreement could never be repeated.
	w, ok := tt.Window(t)
	switch {
	case open && ok && w.Contains(t):
		tt.last.Store(&stretch{from: w.Start, until: w.End, open: true})
	case !open && !ok:
		tt.last.Store(&stretch{from: t})
	case !open && w.Start.After(t):
		tt.last.Store(&stretch{from: t, until: w.Start})
	}
	return open
}

// active is Active worked out from t alone: while no clock change is near
// it compares plain seconds; near one it resolves the windows' wall-clock
// times as window does.
func (tt *Timetable) active(t time.Time) bool {
	lt := t.In(tt.loc)
	zoneStart, zoneEnd := lt.ZoneBounds()
	_, off := lt.Zone()
	wall := t.Unix() + int64(off) // t's wall clock as seconds since 1970-01-01 00:00
	today := dayNumber(floorDiv(wall, 86400))
	for _, n := range [2]dayNumber{today, today - 1} {
		if n == today-1 && tt.to > tt.from {
			break // only a window crossing midnight reaches into the next day
		}
		if !tt.occurs(n) {
			continue
		}
		endDay := n
		if tt.to <= tt.from {
			endDay++
		}
		start := int64(n)*86400 + int64(tt.from)*60 - int64(off)
		end := int64(endDay)*86400 + int64(tt.to)*60 - int64(off)
		// With t's offset in force from well before the window (more than
		// any clock change, so no earlier occurrence of its start exists)
		// to past its end, the window is plain arithmetic.
		if (zoneStart.IsZero() || start >= zoneStart.Unix()+clockChangeMargin) && (zoneEnd.IsZero() || end < zoneEnd.Unix()) {
			if sec := t.Unix(); sec >= start && sec < end {
				return true
			}
			continue
		}
		if tt.window(n).Contains(t) {
			return true
		}
	}
	return false
}

// clockChangeMargin exceeds the largest clock change in use (2 hours), in
// seconds.
const clockChangeMargin = 3 * 3600

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// nextDay is the first day at or after n on which a window opens, or
// false if there is none (the end date has passed).
func (tt *Timetable) nextDay(n dayNumber) (dayNumber, bool) {
	if n < tt.start {
		n = tt.start
	}
	switch tt.every {
	case Monthly:
		d := n.date()
		for i := 0; i < 25; i++ {
			y, m := d.Year, d.Month+time.Month(i)
			y, m = y+int(m-1)/12, (m-1)%12+1
			day := tt.monthDay
			if day == LastDay {
				day = daysIn(y, m)
			}
			if day > daysIn(y, m) {
				continue // this month has no such day: no window (see doc.go)
			}
			if c := (Date{y, m, day}).number(); c >= n {
				n = c
				break
			}
		}
	case Annually:
		for y := n.date().Year; y < n.date().Year+9; y++ {
			c := Date{y, tt.annual.Month, tt.annual.Day}
			if c.valid() && c.number() >= n {
				n = c.number()
				break
			}
		}
	default:
		for i := 0; i < 14 && !tt.occurs(n); i++ {
			n++
		}
	}
	if tt.hasEnd && n > tt.end {
		return 0, false
	}
	return n, tt.occurs(n)
}

// Window is the window open at t or, if none is, the next one to open; ok
// is false when no window opens after t. Windows that follow each other
// without a gap (a whole-day window on consecutive days) are joined, up to
// a year ahead, so End says until when the schedule stays open.
func (tt *Timetable) Window(t time.Time) (w Window, ok bool) {
	n, ok := tt.nextDay(dayOf(t.In(tt.loc)) - 1)
	for i := 0; ok && i < 1000; i++ {
		if w = tt.window(n); w.Start.Before(w.End) && w.End.After(t) {
			break
		}
		n, ok = tt.nextDay(n + 1)
	}
	if !ok {
		return Window{}, false
	}
	for i := 0; i < 366; i++ {
		next, more := tt.nextDay(n + 1)
		if !more {
			break
		}
		nw := tt.window(next)
		if nw.Start.After(w.End) {
			break
		}
		w.End, n = nw.End, next
	}
	return w, true
}

// Week lists the windows that overlap the week (Monday 00:00 to the next
// Monday 00:00, in the schedule's zone) that contains t, in order; a
// window that crosses the week's edge is listed whole.
func (tt *Timetable) Week(t time.Time) []Window {
	today := dayOf(t.In(tt.loc))
	monday := today - dayNumber((int(today.weekday())+6)%7)
	weekStart, weekEnd := wallTime(monday, 0, tt.loc), wallTime(monday+7, 0, tt.loc)
	var out []Window
	for n := monday - 1; n < monday+7; n++ {
		if !tt.occurs(n) {
			continue
		}
		w := tt.window(n)
		if w.Start.Before(w.End) && w.End.After(weekStart) && w.Start.Before(weekEnd) {
			out = append(out, w)
		}
	}
	return slices.Clip(out)
}
