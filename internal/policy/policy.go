package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Type is a policy's kind: what makes it act.
type Type string

// Types.
const (
	// Scheduled acts while a window of its Schedule is open.
	Scheduled Type = "scheduled"
	// Context refuses sign-ins from outside its networks and countries.
	Context Type = "context"
	// Alert acts for a while when executed (by an event or by API).
	Alert Type = "alert"
)

// Action is what a policy does to the accounts it applies to while it is
// active.
type Action string

// Actions.
const (
	// Lock is a hard lock that the owner cannot override.
	Lock Action = "lock"
	// Unlock opens the account without a grant.
	Unlock Action = "unlock"
	// AllowUnlock leaves the account locked but lets its owner unlock it or
	// approve its requests, only while the policy is active.
	AllowUnlock Action = "allow_unlock"
)

// OnUnknown decides a context rule that cannot be evaluated.
type OnUnknown string

// OnUnknown values; the empty value means Deny.
const (
	Deny  OnUnknown = "deny"
	Allow OnUnknown = "allow"
)

// Trigger is an event that executes an alert policy.
type Trigger string

// Triggers.
const (
	OnBlockedSignin       Trigger = "blocked_signin"
	OnUnlockOutsideWindow Trigger = "unlock_outside_window"
	OnExecute             Trigger = "execute" // the NL3 execute call
)

// Recipient is who an alert policy notifies when executed.
type Recipient string

// Recipients.
const (
	NotifyOwner    Recipient = "owner"
	NotifyAdmins   Recipient = "admins"
	NotifyWebhooks Recipient = "webhooks"
)

// AlertRule is what executes an alert policy, whom it tells, and how long
// its action lasts.
type AlertRule struct {
	On     []Trigger   `json:"on"`
	Notify []Recipient `json:"notify,omitempty"`
	// For is how long the action lasts after an execution; 0 means until
	// the execution is lifted (then Liftable is required).
	For time.Duration `json:"for,omitempty"`
	// Liftable says an execution may be undone before it ends.
	Liftable bool `json:"liftable,omitempty"`
}

// Execution is one run of an alert policy: its action is in force from At
// until Until (zero: until lifted) or LiftedAt, whichever comes first.
type Execution struct {
	PolicyID string
	At       time.Time
	Until    time.Time
	LiftedAt time.Time
}

// covers reports whether e is in force at t.
func (e Execution) covers(t time.Time) bool {
	return !t.Before(e.At) && (e.Until.IsZero() || t.Before(e.Until)) && (e.LiftedAt.IsZero() || t.Before(e.LiftedAt))
}

// Assignments name what a policy applies to: accounts of the applications,
// accounts owned by members of the groups, and accounts owned by the
// members. A policy with no assignment applies to nothing.
type Assignments struct {
	Apps    []string `json:"apps,omitempty"`
	Groups  []string `json:"groups,omitempty"`
	Members []string `json:"members,omitempty"`
}

// Policy is one JIT policy of a tenant.
type Policy struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    Type   `json:"type"`
	Action  Action `json:"action"`
	Enabled bool   `json:"enabled"`
	// ActiveFrom and ActiveUntil bound when the policy is in force at all
	// ([ActiveFrom, ActiveUntil)); zero means unbounded.
	ActiveFrom  time.Time   `json:"active_from,omitzero"`
	ActiveUntil time.Time   `json:"active_until,omitzero"`
	Assign      Assignments `json:"assign"`
	// Schedule is required for, and only for, Scheduled policies.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Context is required for, and only for, Context policies;
	// OnUnknown decides when it cannot be evaluated.
	Context   *ContextRule `json:"context,omitempty"`
	OnUnknown OnUnknown    `json:"on_unknown,omitempty"`
	// Alert is required for, and only for, Alert policies.
	Alert *AlertRule `json:"alert,omitempty"`
	// Approval is required for, and only for, Approval policies.
	Approval *ApprovalRule `json:"approval,omitempty"`
}

// Validate reports every problem with p at once, each naming its field.
// It does not look at ID, which the store assigns.
func (p Policy) Validate() error {
	_, err := compile(p)
	return err
}

// compiled is a validated policy with its rules parsed.
type compiled struct {
	Policy
	timetable *Timetable
	context   compiledContext
	execs     []Execution // of an alert policy, as given to NewSet
}

func compile(p Policy) (*compiled, error) {
	c := &compiled{Policy: p}
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if err := checkName(p.Name); err != nil {
		bad("name", "%v", err)
	}
	switch p.Action {
	case Lock, Unlock, AllowUnlock:
		if p.Type == Approval {
			bad("action", "an approval policy says who approves unlocks: it has no action")
		}
	case "":
		if p.Type == Approval {
			break
		}
		bad("action", "missing: one of lock, unlock, allow_unlock")
	default:
		bad("action", "%q is not one of lock, unlock, allow_unlock", p.Action)
	}
	if !p.ActiveFrom.IsZero() && !p.ActiveUntil.IsZero() && !p.ActiveUntil.After(p.ActiveFrom) {
		bad("active_until", "%s is not after active_from %s", p.ActiveUntil.Format(time.RFC3339), p.ActiveFrom.Format(time.RFC3339))
	}
	if p.Schedule != nil && p.Type != Scheduled {
		bad("schedule", "only scheduled policies have a schedule")
	}
	if p.Context != nil && p.Type != Context {
		bad("context", "only context policies have a context rule")
	}
	if p.Alert != nil && p.Type != Alert {
		bad("alert", "only alert policies have an alert rule")
	}
	if p.Approval != nil && p.Type != Approval {
		bad("approval", "only approval policies have an approval rule")
	}
	if p.OnUnknown != "" && p.Type != Context {
		bad("on_unknown", "only context policies decide unknown context")
	}
	switch p.Type {
	case Scheduled:
		if p.Schedule == nil {
			bad("schedule", "missing: a scheduled policy needs a time window")
			break
		}
		tt, err := p.Schedule.Compile()
		if err != nil {
			errs = append(errs, err)
		}
		c.timetable = tt
	case Context:
		if p.Action != Lock && p.Action != "" {
			bad("action", "a context policy locks sign-ins from outside its networks and countries: its action is lock, not %s", p.Action)
		}
		switch p.OnUnknown {
		case "", Deny, Allow:
		default:
			bad("on_unknown", "%q is not deny or allow", p.OnUnknown)
		}
		if p.Context == nil {
			bad("context", "missing: a context policy needs allowed networks or countries")
			break
		}
		ctx, cerrs := p.Context.compile()
		errs = append(errs, cerrs...)
		c.context = ctx
	case Alert:
		if p.Alert == nil {
			bad("alert", "missing: an alert policy needs the events that execute it")
			break
		}
		errs = append(errs, p.Alert.validate()...)
	case Approval:
		if p.Approval == nil {
			bad("approval", "missing: an approval policy needs its quorum and approvers")
			break
		}
		errs = append(errs, p.Approval.validate()...)
	case "":
		bad("type", "missing: one of scheduled, context, alert, approval")
	default:
		bad("type", "%q is not one of scheduled, context, alert, approval", p.Type)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// MinBlockedSigninFor is the shortest execution an alert on blocked_signin
// may have: a policy runs again only after its execution ends, so owners
// and admins hear of one policy at most once a minute however many
// sign-ins an attacker makes up.
const MinBlockedSigninFor = time.Minute

func (a AlertRule) validate() []error {
	var errs []error
	if len(a.On) == 0 {
		errs = append(errs, errors.New("alert.on: missing: one or more of blocked_signin, unlock_outside_window, execute"))
	}
	for _, t := range a.On {
		switch t {
		case OnBlockedSignin, OnUnlockOutsideWindow, OnExecute:
		default:
			errs = append(errs, fmt.Errorf("alert.on: %q is not one of blocked_signin, unlock_outside_window, execute", t))
		}
	}
	for _, r := range a.Notify {
		switch r {
		case NotifyOwner, NotifyAdmins, NotifyWebhooks:
		default:
			errs = append(errs, fmt.Errorf("alert.notify: %q is not one of owner, admins, webhooks", r))
		}
	}
	switch {
	case a.For < 0:
		errs = append(errs, fmt.Errorf("alert.for: %s is negative", a.For))
	case a.For == 0 && !a.Liftable:
		errs = append(errs, errors.New("alert.for: missing: an execution that lasts until lifted must be liftable"))
	case a.For > 0 && a.For < MinBlockedSigninFor && slices.Contains(a.On, OnBlockedSignin):
		// Anyone can cause blocked sign-ins (any typed username), and each
		// execution tells owners and admins: the floor bounds the notices.
		errs = append(errs, fmt.Errorf("alert.for: %s is under %s, the least for an alert on blocked_signin (each execution notifies)", a.For, MinBlockedSigninFor))
	}
	return errs
}

// checkName accepts a name people can read and type: not blank, at most
// 100 characters, no control characters, no spaces at either end.
func checkName(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("missing")
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%q starts or ends with a space", s)
	case len([]rune(s)) > 100:
		return errors.New("longer than 100 characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%q has a control character", s)
	}
	return nil
}

// Group is a named set of members of a tenant; policies (and approvals)
// are assigned to groups.
type Group struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"` // member IDs
}

// Validate reports every problem with g at once, each naming its field.
func (g Group) Validate() error {
	var errs []error
	if err := checkName(g.Name); err != nil {
		errs = append(errs, fmt.Errorf("name: %w", err))
	}
	if len(g.Description) > 1000 {
		errs = append(errs, errors.New("description: longer than 1000 bytes"))
	}
	seen := make(map[string]bool, len(g.Members))
	for _, m := range g.Members {
		if m == "" {
			errs = append(errs, errors.New("members: an empty member ID"))
		} else if seen[m] {
			errs = append(errs, fmt.Errorf("members: %s is listed twice", m))
		}
		seen[m] = true
	}
	return errors.Join(errs...)
}
