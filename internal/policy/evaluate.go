package policy

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/lock"
)

// Verdict is what an account's policies say at one instant, from one
// address: design §3 steps 3 to 5, each with the policy that decided it.
// The zero Verdict means no policy acts.
type Verdict struct {
	// HardLock is lock.HardLockPolicy while a lock policy is active;
	// LockPolicy is its ID (the first in assignment order when several are).
	HardLock   lock.HardLock `json:"hard_lock,omitempty"`
	LockPolicy string        `json:"lock_policy,omitempty"`
	// ContextDenied is set when a context rule refuses the request;
	// ContextReason names the rule and what it saw, in plain words.
	ContextDenied bool   `json:"context_denied"`
	ContextPolicy string `json:"context_policy,omitempty"`
	ContextReason string `json:"context_reason,omitempty"`
	// Scheduled is set while an unlock policy is active.
	Scheduled    bool   `json:"scheduled"`
	UnlockPolicy string `json:"unlock_policy,omitempty"`
	// AddressPolicy is the first context policy in force for the account,
	// whatever it said: the account's sign-ins are judged by their
	// address. A display, which has none, says so rather than decide.
	AddressPolicy string `json:"address_policy,omitempty"`
}

// Decider is the ID of the policy that decides the check by precedence
// (hard lock, then context, then unlock schedule), or "" when none does.
func (v Verdict) Decider() string {
	switch {
	case v.HardLock != lock.HardLockNone:
		return v.LockPolicy
	case v.ContextDenied:
		return v.ContextPolicy
	case v.Scheduled:
		return v.UnlockPolicy
	}
	return ""
}

// Permission says whether an account's owner may unlock it or approve its
// unlock requests now, as far as allow_unlock policies are concerned.
type Permission struct {
	// Restricted is set when an allow_unlock policy applies to the
	// account; without one, unlocking is not restricted by policy.
	Restricted bool `json:"restricted"`
	Allowed    bool `json:"allowed"`
	// PolicyID is the allow_unlock policy whose window is open (Allowed)
	// or opens next (refused); Until is when that window closes or opens.
	// Allowed with a zero Until: open until an alert execution is lifted.
	// Refused with a zero Until: no window opens again.
	PolicyID string    `json:"policy_id,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	// Reason says, when refused, why and until when, in plain words.
	Reason string `json:"reason,omitempty"`
}

// Evaluate returns the Verdict for acc at instant at, for a request from
// ip (the zero Addr when the request named none). It reads only memory and
// allocates only to word a context denial.
func (s *Set) Evaluate(acc Account, at time.Time, ip netip.Addr) Verdict {
	v, _ := s.evaluate(acc, at, ip, nil)
	return v
}

// Permission says whether acc's owner may unlock or approve at instant at
// (see Permission). Unlocking and approving are not on the hot path, so it
// also works out until when.
func (s *Set) Permission(acc Account, at time.Time) Permission {
	_, p := s.evaluate(acc, at, netip.Addr{}, nil)
	if !p.Restricted {
		return p
	}
	var best *compiled
	s.each(acc, func(c *compiled, _ via) {
		if c.Action != AllowUnlock || c.inForce(at) != inForce && c.inForce(at) != notYet {
			return
		}
		w, ok := c.span(at)
		switch {
		case !ok:
		case p.Allowed && c.ID == p.PolicyID:
			p.Until = w.End
		case !p.Allowed && (p.Until.IsZero() || w.Start.Before(p.Until)):
			p.Until, best = w.Start, c
		}
	})
	if !p.Allowed {
		p.Reason = "unlocking and approving are allowed only while an allow_unlock policy is active, and none is now"
		if best != nil {
			p.PolicyID = best.ID
			p.Reason += "; policy " + strconv.Quote(best.Name) + " opens next at " + stamp(p.Until, best.zone())
		} else {
			p.Reason += "; none opens again"
		}
	}
	return p
}

// evaluate is the one pass behind Evaluate, Permission and Explain: ex,
// when not nil, records every policy considered.
func (s *Set) evaluate(acc Account, at time.Time, ip netip.Addr, ex *Explanation) (Verdict, Permission) {
	var v Verdict
	var p Permission
	l := lookup{ip: ip.Unmap(), geo: s.geo}
	s.each(acc, func(c *compiled, by via) {
		if ex != nil && ex.considered(c.ID) {
			return
		}
		force := c.inForce(at)
		if force != inForce {
			if ex != nil {
				ex.record(c, by, false, force.why(c), time.Time{})
			}
			return
		}
		if c.Type == Approval {
			if ex != nil {
				ex.record(c, by, true, "unlocks need "+c.Approval.Describe(), time.Time{})
			}
			return
		}
		if c.Type == Context {
			if v.AddressPolicy == "" {
				v.AddressPolicy = c.ID
			}
			out, why := c.context.check(&l)
			decided := ""
			if out == contextUnknown {
				out, decided = contextDenied, ", and the policy denies what it cannot check"
				if c.OnUnknown == Allow {
					out, decided = contextAllowed, ", and the policy allows what it cannot check"
				}
			}
			if out == contextDenied && !v.ContextDenied {
				v.ContextDenied, v.ContextPolicy = true, c.ID
				v.ContextReason = "refused by policy " + strconv.Quote(c.Name) + ": " + seen(l.ip) + why + decided
			}
			if ex != nil {
				ex.record(c, by, out == contextDenied, seen(l.ip)+why+decided, time.Time{})
			}
			return
		}
		on := c.activeAt(at)
		switch c.Action {
		case Lock:
			if on && v.HardLock == lock.HardLockNone {
				v.HardLock, v.LockPolicy = lock.HardLockPolicy, c.ID
			}
		case Unlock:
			if on && !v.Scheduled {
				v.Scheduled, v.UnlockPolicy = true, c.ID
			}
		case AllowUnlock:
			p.Restricted = true
			if on && !p.Allowed {
				p.Allowed, p.PolicyID = true, c.ID
			}
		}
		if ex != nil {
			why, until := c.describe(at, on)
			ex.record(c, by, on, why, until)
		}
	})
	return v, p
}

// seen words the request's address for a context reason.
func seen(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	return ip.String() + " is "
}

// force is where an instant falls in a policy's enabled flag and
// active_from/active_until.
type force uint8

const (
	inForce force = iota
	disabled
	notYet
	ended
)

func (c *compiled) inForce(at time.Time) force {
	switch {
	case !c.Enabled:
		return disabled
	case !c.ActiveFrom.IsZero() && at.Before(c.ActiveFrom):
		return notYet
	case !c.ActiveUntil.IsZero() && !at.Before(c.ActiveUntil):
		return ended
	}
	return inForce
}

func (f force) why(c *compiled) string {
	switch f {
	case disabled:
		return "disabled"
	case notYet:
		return "not in force before " + c.ActiveFrom.UTC().Format(time.RFC3339)
	case ended:
		return "not in force since " + c.ActiveUntil.UTC().Format(time.RFC3339)
	}
	return "in force"
}

// activeAt reports whether a scheduled or alert policy acts at t (its
// window is open, or an execution covers t); c must be in force at t.
func (c *compiled) activeAt(t time.Time) bool {
	if c.timetable != nil {
		return c.timetable.Active(t)
	}
	for _, e := range c.execs {
		if e.covers(t) {
			return true
		}
	}
	return false
}

// span is the stretch of time in which c acts that contains t, or else
// the next one, cut to active_from/active_until; ok is false when there is
// none.
func (c *compiled) span(t time.Time) (w Window, ok bool) {
	from := t
	if !c.ActiveFrom.IsZero() && from.Before(c.ActiveFrom) {
		from = c.ActiveFrom
	}
	if c.timetable != nil {
		w, ok = c.timetable.Window(from)
	} else {
		for _, e := range c.execs {
			end := e.Until
			if !e.LiftedAt.IsZero() && (end.IsZero() || e.LiftedAt.Before(end)) {
				end = e.LiftedAt
			}
			if (end.IsZero() || end.After(from)) && (!ok || e.At.Before(w.Start)) {
				w, ok = Window{e.At, end}, true
			}
		}
	}
	if !ok {
		return Window{}, false
	}
	if !c.ActiveFrom.IsZero() && w.Start.Before(c.ActiveFrom) {
		w.Start = c.ActiveFrom
	}
	if !c.ActiveUntil.IsZero() {
		if !w.Start.Before(c.ActiveUntil) {
			return Window{}, false
		}
		if w.End.IsZero() || w.End.After(c.ActiveUntil) {
			w.End = c.ActiveUntil
		}
	}
	return w, true
}

// zone is where c's times are best shown: its schedule's zone, else UTC.
func (c *compiled) zone() *time.Location {
	if c.timetable != nil {
		return c.timetable.loc
	}
	return time.UTC
}

// stamp writes t for people, in loc: 2026-12-07 09:00 WET.
func stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}
