package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day with no time zone: a schedule's start and end.
// The zero Date means "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written as 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date like 2026-12-01", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String writes d as 2006-01-02, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalText writes d as 2006-01-02 (empty when unset).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// valid reports whether d names a day that exists.
func (d Date) valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// dayNumber counts days since 1970-01-01 (negative before it): dates as
// integers make "the next day" and "the same week" plain arithmetic.
type dayNumber int

func (d Date) number() dayNumber {
	return dayNumber(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (n dayNumber) date() Date {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return Date{y, m, d}
}

// weekday: 1970-01-01 was a Thursday.
func (n dayNumber) weekday() time.Weekday {
	return time.Weekday(((int(n)+4)%7 + 7) % 7)
}

// week numbers the Monday-to-Sunday weeks (1969-12-29 starts week 0).
func (n dayNumber) week() int {
	x := int(n) + 3
	if x < 0 {
		return (x - 6) / 7
	}
	return x / 7
}

func dayOf(t time.Time) dayNumber {
	y, m, d := t.Date()
	return Date{y, m, d}.number()
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// TimeOfDay is a wall-clock time as minutes after midnight, 0 (00:00) to
// 1440 (24:00, the midnight that ends the day: allowed only as a window's
// end).
type TimeOfDay int

// EndOfDay is 24:00, the end of a window that lasts until midnight.
const EndOfDay TimeOfDay = 24 * 60

// ParseTimeOfDay reads a time written as 15:04 (00:00 to 24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) > 2 || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time like 09:00 (00:00 to 24:00)", s)
	}
	return TimeOfDay(hh*60 + mm), nil
}

// String writes t as 15:04.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalText writes t as 15:04.
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// wallTime is the instant at which the clocks of loc show day n at tod.
// Wall-clock times that do not exist or exist twice are decided here, once:
//   - in a skipped hour (clocks jump forward) it is the first instant after
//     the gap, the instant of the jump;
//   - in a repeated hour (clocks fall back) it is the first of the two.
//
// time.Date alone leaves both choices unspecified.
func wallTime(n dayNumber, tod TimeOfDay, loc *time.Location) time.Time {
	d := n.date()
	t := time.Date(d.Year, d.Month, d.Day, 0, int(tod), 0, 0, loc)
	wall := time.Date(d.Year, d.Month, d.Day, 0, int(tod), 0, 0, time.UTC).Unix()
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	if t.Unix()+int64(off) == wall {
		// It exists; it exists twice if the clocks showed it in the period
		// before, too (their offset was larger).
		if !start.IsZero() {
			_, prev := start.Add(-time.Second).Zone()
			if prev > off && wall-int64(prev) < start.Unix() {
				return time.Unix(wall-int64(prev), 0).In(loc)
			}
		}
		return t
	}
	// It does not exist: find the jump whose gap it falls in.
	for _, b := range [2]time.Time{start, end} {
		if b.IsZero() {
			continue
		}
		_, before := b.Add(-time.Second).Zone()
		_, after := b.Zone()
		if wall >= b.Unix()+int64(before) && wall < b.Unix()+int64(after) {
			return b
		}
	}
	return t
}
