package valid

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Times are stored as Unix nanoseconds, which cover 1677-09-21 to
// 2262-04-11; zero is "not set".
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// InRange reports whether t can be stored: the zero time, or a time within
// the range of int64 Unix nanoseconds.
func InRange(t time.Time) bool {
	return t.IsZero() || !t.Before(minTime) && !t.After(maxTime)
}

// Nanos returns t as stored: 0 for the zero time, else Unix nanoseconds.
// t must be InRange (every time a rule has accepted is).
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos; every time read back is UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Rules collects the first broken rule of one operation's arguments. The
// zero value is ready to use.
type Rules struct {
	err error
}

// Err returns the first broken rule, wrapping store.ErrInvalid, or nil.
func (r *Rules) Err() error {
	return r.err
}

// Fail records a broken rule described by format, unless one was recorded
// already.
func (r *Rules) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
	}
}

// Need requires non-empty string fields, given as pairs of the field's
// name and its value: r.Need("tenant id", t.ID, "tenant name", t.Name).
// It returns r, as the rules below that check one field do, so that a
// record's rules read as one chain in the order they are checked:
// r.Need(…).At("created at", t.CreatedAt, true).Err().
func (r *Rules) Need(nameValues ...string) *Rules {
	for i := 0; i+1 < len(nameValues); i += 2 {
		if nameValues[i+1] == "" {
			r.Fail("%s is empty", nameValues[i])
		}
	}
	return r
}

// Require records the rule described by format as broken unless ok. Its
// arguments are made ready even when ok, so a rule on the lock check's
// path writes its own if.
func (r *Rules) Require(ok bool, format string, args ...any) *Rules {
	if !ok {
		r.Fail(format, args...)
	}
	return r
}

// Filled requires a non-empty byte field: a secret, a key, a payload.
func (r *Rules) Filled(field string, b []byte) *Rules {
	if len(b) == 0 {
		r.Fail("%s is empty", field)
	}
	return r
}

// Object requires a JSON object.
func (r *Rules) Object(field string, doc []byte) *Rules {
	var m map[string]json.RawMessage
	return r.Require(json.Unmarshal(doc, &m) == nil && m != nil, "%s is not a JSON object", field)
}

// OneOf requires v to be one of allowed.
func (r *Rules) OneOf(field, v string, allowed ...string) *Rules {
	for _, a := range allowed {
		if v == a {
			return r
		}
	}
	r.Fail("%s %q is not one of %q", field, v, allowed)
	return r
}

// At is Time for a time the record only stores: it returns r rather than
// the time.
func (r *Rules) At(field string, t time.Time, required bool) *Rules {
	r.Time(field, t, required)
	return r
}

// Time requires a storable time, which must be set when required, and
// returns it as stored.
func (r *Rules) Time(field string, t time.Time, required bool) int64 {
	if required && t.IsZero() {
		r.Fail("%s is not set", field)
		return 0
	}
	if !InRange(t) {
		r.Fail("%s %s is outside the storable range", field, t.Format(time.RFC3339))
		return 0
	}
	return Nanos(t)
}

// Positive requires a positive duration.
func (r *Rules) Positive(field string, d time.Duration) *Rules {
	if d <= 0 {
		r.Fail("%s %s is not positive", field, d)
	}
	return r
}

// Limit requires a page size of at least 1.
func (r *Rules) Limit(n int) {
	if n < 1 {
		r.Fail("limit %d is below 1", n)
	}
}

// Limit requires a page size of at least 1, for reads that take nothing
// else to check.
func Limit(n int) error {
	var r Rules
	r.Limit(n)
	return r.Err()
}
