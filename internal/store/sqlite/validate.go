package sqlite

import (
	"math"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The rules below are checked in Go before anything is written, so a bad
// record gets an error that names its field rather than a constraint name.
// The schema repeats the important ones as a second line of defence.

// Times are stored as Unix nanoseconds, which cover 1677-09-21 to
// 2262-04-11; zero is "not set".
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos returns t as stored: 0 for the zero time, else Unix nanoseconds.
// ok is false when t is outside the storable range.
func nanos(t time.Time) (n int64, ok bool) {
	if t.IsZero() {
		return 0, true
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

// fromNanos is the inverse of nanos; every time read back is UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// rules collects the first broken rule of one record.
type rules struct {
	op  string
	err error
}

func (r *rules) fail(format string, args ...any) {
	if r.err == nil {
		r.err = invalid(r.op, format, args...)
	}
}

// need requires a non-empty string field.
func (r *rules) need(field, v string) {
	if v == "" {
		r.fail("%s is empty", field)
	}
}

// oneOf requires v to be one of allowed.
func (r *rules) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	r.fail("%s %q is not one of %q", field, v, allowed)
}

// time converts a time field, which must be set when required.
func (r *rules) time(field string, t time.Time, required bool) int64 {
	if required && t.IsZero() {
		r.fail("%s is not set", field)
		return 0
	}
	n, ok := nanos(t)
	if !ok {
		r.fail("%s %s is outside the storable range", field, t.Format(time.RFC3339))
	}
	return n
}

// positive requires a positive duration.
func (r *rules) positive(field string, d time.Duration) {
	if d <= 0 {
		r.fail("%s %s is not positive", field, d)
	}
}

func validUnenrolled(r *rules, v string) {
	r.oneOf("unenrolled", v, store.UnenrolledAllow, store.UnenrolledDeny)
}

func validFailMode(r *rules, v string) {
	r.oneOf("fail mode", v, store.FailOpen, store.FailClosed)
}

func validRole(r *rules, v string) {
	r.oneOf("role", v, store.RoleOwner, store.RoleAdmin, store.RoleApprover, store.RoleMember)
}

func validChannels(r *rules, cs []string) {
	for _, c := range cs {
		r.oneOf("channel", c, store.ChannelEmail, store.ChannelPush)
	}
}

// nullable stores "" as NULL, for optional references.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// blob stores a nil slice as an empty BLOB rather than NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// validOutboxTarget requires a known channel and exactly its target: a
// webhook for webhook messages, a member for email and push.
func validOutboxTarget(r *rules, m store.OutboxMessage) {
	switch m.Channel {
	case store.ChannelWebhook:
		r.need("webhook id", m.WebhookID)
		if m.MemberID != "" {
			r.fail("a webhook message names a member")
		}
	case store.ChannelEmail, store.ChannelPush:
		r.need("member id", m.MemberID)
		if m.WebhookID != "" {
			r.fail("an %s message names a webhook", m.Channel)
		}
	default:
		r.oneOf("channel", m.Channel, store.ChannelWebhook, store.ChannelEmail, store.ChannelPush)
	}
}
