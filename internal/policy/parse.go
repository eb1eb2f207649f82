package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDays reads weekdays written as "mon,wed,fri" (three letters or the
// full English name, any case), for weekly and biweekly schedules.
func ParseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		found := false
		for d := time.Sunday; d <= time.Saturday; d++ {
			name := strings.ToLower(d.String())
			if f == name || f == name[:3] {
				days, found = append(days, d), true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("%q is not a weekday such as mon or monday", f)
		}
	}
	return days, nil
}

// ParseMonthDay reads a monthly schedule's day: 1 to 31, or "last".
func ParseMonthDay(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "last" {
		return LastDay, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 31 {
		return 0, fmt.Errorf("%q is not a day of the month (1 to 31, or last)", s)
	}
	return n, nil
}

// Execute is the execution of alert policy p at instant at: in force for
// p.Alert.For, or until lifted when For is zero.
func (p Policy) Execute(at time.Time) Execution {
	e := Execution{PolicyID: p.ID, At: at}
	if p.Alert != nil && p.Alert.For > 0 {
		e.Until = at.Add(p.Alert.For)
	}
	return e
}

// TriggeredBy reports whether the enabled alert policy p runs on event t.
func (p Policy) TriggeredBy(t Trigger) bool {
	if p.Type != Alert || p.Alert == nil || !p.Enabled {
		return false
	}
	for _, on := range p.Alert.On {
		if on == t {
			return true
		}
	}
	return false
}
