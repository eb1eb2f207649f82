package portal

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Lengths of time are shown and read one way everywhere in the portal:
// humanDuration writes "15 min", "24 h" or "1 h 30 min", and parseDuration
// reads that back (a form shows the value it will save), as well as Go's
// "15m" and a bare number of minutes.

// humanDuration writes d as "3 days", "1 h 5 min", "4 min 20 s" or "45 s",
// exactly: parseDuration(humanDuration(d)) is d, to the second.
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0 s"
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var parts []string
	if h >= 48 {
		parts = append(parts, fmt.Sprintf("%d days", h/24))
		h %= 24
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	if s > 0 {
		parts = append(parts, fmt.Sprintf("%d s", s))
	}
	return strings.Join(parts, " ")
}

// roughDuration is humanDuration without the seconds once d is ten minutes
// or more: how long something has left.
func roughDuration(d time.Duration) string {
	if d >= 10*time.Minute {
		d = d.Round(time.Minute)
	}
	return humanDuration(d)
}

// maxDuration is the longest length parseDuration reads: beyond it a
// number of minutes or days would overflow (307445734561825861 minutes is
// about one minute in int64 nanoseconds), so it is refused instead.
const maxDuration = math.MaxInt64

// durationPart is one "<number> <unit>" of a length of time.
var durationPart = regexp.MustCompile(`^(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,]*`)

var durationUnits = map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}

// errDuration is the page error for a length of time that cannot be read.
func errDuration(what, v string) error {
	if what != "" {
		what += ": "
	}
	return &pageError{Status: http.StatusBadRequest, Title: "Unknown length of time",
		Message: fmt.Sprintf("%s%q is not a length of time. Write it like 15 min, 8 h or 1 h 30 min.", what, v)}
}

// parseDuration reads a length of time as humanDuration writes it ("1 h 30
// min", "2 days"), as Go writes it ("1h30m") or as a bare number of
// minutes. Empty is zero; anything else must be positive. what names the
// field in the error.
func parseDuration(what, v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > maxDuration/int64(time.Minute) {
			return 0, errDuration(what, v)
		}
		return time.Duration(n) * time.Minute, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d <= 0 {
			return 0, errDuration(what, v)
		}
		return d, nil
	}
	var d time.Duration
	for rest := v; rest != ""; {
		m := durationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, errDuration(what, v)
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		unit := durationUnits[m[2][0]]
		if err != nil || n > (maxDuration-int64(d))/int64(unit) {
			return 0, errDuration(what, v)
		}
		d += time.Duration(n) * unit
		rest = rest[len(m[0]):]
	}
	if d <= 0 {
		return 0, errDuration(what, v)
	}
	return d, nil
}
