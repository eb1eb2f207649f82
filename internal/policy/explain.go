package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is the step of the decision (design §3) a policy takes part in.
type Step int

// Steps, in the order they decide.
const (
	StepHardLock    Step = 3 // lock policies
	StepContext     Step = 4 // context policies
	StepUnlock      Step = 5 // unlock policies
	StepAllowUnlock Step = 8 // allow_unlock policies: may the owner unlock or approve?
	StepApproval    Step = 9 // approval policies: who approves an unlock
)

func (s Step) String() string {
	switch s {
	case StepHardLock:
		return "3. hard locks (lock policies)"
	case StepContext:
		return "4. context rules (networks and countries)"
	case StepUnlock:
		return "5. unlock schedules (unlock policies)"
	case StepAllowUnlock:
		return "unlock permission (allow_unlock policies)"
	case StepApproval:
		return "approvals (approval policies)"
	}
	return "step " + strconv.Itoa(int(s))
}

// Rule is one policy considered for a decision.
type Rule struct {
	Step       Step   `json:"step"`
	PolicyID   string `json:"policy_id"`
	PolicyName string `json:"policy_name"`
	Type       Type   `json:"type"`
	Action     Action `json:"action"`
	// Via says how the policy reaches the account ("via group finance").
	Via string `json:"via"`
	// Applies is set when the policy acts now: its lock, unlock or
	// allow_unlock window is open, or its context rule refuses.
	Applies bool `json:"applies"`
	// Why says what was seen, in plain words.
	Why string `json:"why"`
	// Until is when what Why says changes: the open window's end or the
	// next one's start (zero when unknown or never).
	Until time.Time `json:"until,omitzero"`
	// Zone is the IANA time zone of a scheduled policy's windows, in
	// which to show Until; "" for other kinds.
	Zone string `json:"zone,omitempty"`
}

// Explanation is every policy considered for one account at one instant,
// grouped by step in decision order, with the outcome.
type Explanation struct {
	Account Account    `json:"account"`
	At      time.Time  `json:"at"`
	IP      netip.Addr `json:"ip,omitzero"`
	// Country is where the GeoIP database placed IP, when a rule asked.
	Country    string     `json:"country,omitempty"`
	Rules      []Rule     `json:"rules"`
	Verdict    Verdict    `json:"verdict"`
	Permission Permission `json:"permission"`
	// DecidedBy is the ID of the deciding policy (Verdict.Decider).
	DecidedBy string `json:"decided_by,omitempty"`
}

// Explain evaluates like Evaluate and Permission, and records every policy
// assigned to acc and what it said. It works for any instant, past or
// future, given the policies and executions of then.
func (s *Set) Explain(acc Account, at time.Time, ip netip.Addr) Explanation {
	ex := &Explanation{Account: acc, At: at, IP: ip}
	ex.Verdict, _ = s.evaluate(acc, at, ip, ex)
	ex.Permission = s.Permission(acc, at)
	ex.DecidedBy = ex.Verdict.Decider()
	if ip.IsValid() && s.geo != nil {
		if code, found, err := s.geo.Country(ip.Unmap()); err == nil && found {
			ex.Country = code
		}
	}
	slices.SortStableFunc(ex.Rules, func(a, b Rule) int { return int(a.Step) - int(b.Step) })
	return *ex
}

func (ex *Explanation) considered(id string) bool {
	for _, r := range ex.Rules {
		if r.PolicyID == id {
			return true
		}
	}
	return false
}

func (ex *Explanation) record(c *compiled, by via, applies bool, why string, until time.Time) {
	step := StepHardLock
	switch {
	case c.Type == Context:
		step = StepContext
	case c.Action == Unlock:
		step = StepUnlock
	case c.Action == AllowUnlock:
		step = StepAllowUnlock
	case c.Type == Approval:
		step = StepApproval
	}
	r := Rule{Step: step, PolicyID: c.ID, PolicyName: c.Name, Type: c.Type, Action: c.Action,
		Via: by.String(), Applies: applies, Why: why, Until: until}
	if c.Schedule != nil {
		r.Zone = c.Schedule.Zone
	}
	ex.Rules = append(ex.Rules, r)
}

// describe words what a scheduled or alert policy in force does at t.
func (c *compiled) describe(t time.Time, on bool) (string, time.Time) {
	w, ok := c.span(t)
	loc := c.zone()
	what := "its window"
	if c.Type == Alert {
		what = "an execution"
	}
	switch {
	case on && ok && w.End.IsZero():
		return what + " is in force until lifted", time.Time{}
	case on && ok:
		return what + " is open until " + stamp(w.End, loc), w.End
	case on:
		return what + " is open", time.Time{}
	case ok && c.Type == Scheduled:
		return "its window is closed; the next opens at " + stamp(w.Start, loc), w.Start
	case c.Type == Alert:
		return "not executed now", time.Time{}
	}
	return "its window is closed and opens no more", time.Time{}
}

// Steps are the steps an explanation reports, in decision order, each
// with or without policies; the approvals step only when a policy of it
// was considered (only tenants that use approvals see it).
func (e Explanation) Steps() []Step {
	steps := []Step{StepHardLock, StepContext, StepUnlock, StepAllowUnlock}
	if slices.ContainsFunc(e.Rules, func(r Rule) bool { return r.Step == StepApproval }) {
		steps = append(steps, StepApproval)
	}
	return steps
}

// String writes e for people: each step in order, every policy
// considered, and the outcome.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policies of the account of application %s", e.Account.App)
	if e.Account.Owner != "" {
		fmt.Fprintf(&b, " owned by %s", e.Account.Owner)
	}
	fmt.Fprintf(&b, " at %s", e.At.UTC().Format(time.RFC3339))
	if e.IP.IsValid() {
		fmt.Fprintf(&b, " from %s", e.IP)
		if e.Country != "" {
			fmt.Fprintf(&b, " (%s)", e.Country)
		}
	} else {
		b.WriteString(" with no IP address")
	}
	b.WriteString("\n(* acts now, - does not)\n")
	for _, step := range e.Steps() {
		fmt.Fprintf(&b, "%s\n", step)
		n := 0
		for _, r := range e.Rules {
			if r.Step != step {
				continue
			}
			n++
			mark := "-"
			if r.Applies {
				mark = "*"
			}
			fmt.Fprintf(&b, "  %s %q (%s %s, %s): %s\n", mark, r.PolicyName, r.Type, r.Action, r.Via, r.Why)
		}
		if n == 0 {
			b.WriteString("  no policy\n")
		}
	}
	b.WriteString("outcome: ")
	v := e.Verdict
	switch {
	case v.HardLock != "":
		fmt.Fprintf(&b, "lockdown: locked by policy %s", e.name(v.LockPolicy))
	case v.ContextDenied:
		fmt.Fprintf(&b, "denied_by_policy: %s", v.ContextReason)
	case v.Scheduled:
		fmt.Fprintf(&b, "unlocked_by_schedule: unlocked by policy %s", e.name(v.UnlockPolicy))
	default:
		b.WriteString("no policy decides; grants and requests do (steps 6 and 7)")
	}
	b.WriteString("\n")
	switch p := e.Permission; {
	case !p.Restricted:
		b.WriteString("unlock permission: not restricted by policy\n")
	case p.Allowed:
		fmt.Fprintf(&b, "unlock permission: allowed by policy %s", e.name(p.PolicyID))
		if !p.Until.IsZero() {
			fmt.Fprintf(&b, " until %s", p.Until.UTC().Format(time.RFC3339))
		}
		b.WriteString("\n")
	default:
		fmt.Fprintf(&b, "unlock permission: refused: %s\n", p.Reason)
	}
	return b.String()
}

// name words a policy of e for people: "Year-end freeze" (pol-1).
func (e Explanation) name(id string) string {
	for _, r := range e.Rules {
		if r.PolicyID == id {
			return strconv.Quote(r.PolicyName) + " (" + id + ")"
		}
	}
	return id
}
