package policy

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Approval is the type of a policy whose accounts open only when enough
// approvers approve (issue 11). It has no action: it does not lock or
// open anything by itself, it says who decides an unlock.
const Approval Type = "approval"

// DenyOn says when denials decide an approval request.
type DenyOn string

// DenyOn values; the empty value means DenyFirst.
const (
	// DenyFirst denies the request at the first denial.
	DenyFirst DenyOn = "first"
	// DenyQuorum denies it only when approvals can no longer reach the
	// quorum (or as many approvers deny as the quorum needs).
	DenyQuorum DenyOn = "quorum"
)

// DefaultApprovalExpiry is how long an approval request waits for its
// quorum when the rule says nothing.
const DefaultApprovalExpiry = time.Hour

// ApprovalRule says who approves the unlocks of the accounts an approval
// policy applies to.
type ApprovalRule struct {
	// Required is the quorum: how many approvals open the account (K).
	Required int `json:"required"`
	// Groups and Members are the approvers: the members of the groups (by
	// group ID) and the named members (by member ID).
	Groups  []string `json:"groups,omitempty"`
	Members []string `json:"members,omitempty"`
	// OwnerCounts makes the account's owner one of the approvers, beside
	// the others; without it the owner does not decide at all.
	OwnerCounts bool `json:"owner_counts"`
	// AllowSelf lets the member who asked for the unlock approve it.
	AllowSelf bool `json:"allow_self,omitempty"`
	// Sign requires every approval to be signed with the approver's
	// passkey (package evidence); an unsigned approval is refused.
	Sign bool `json:"sign,omitempty"`
	// DenyOn says when denials decide; empty means DenyFirst.
	DenyOn DenyOn `json:"deny_on,omitempty"`
	// MaxDuration caps every grant an approval makes (zero: only the
	// application's maximum).
	MaxDuration time.Duration `json:"max_duration,omitempty"`
	// Expiry is how long a request waits for its decision; zero means
	// DefaultApprovalExpiry.
	Expiry time.Duration `json:"expiry,omitempty"`
}

// TTL is how long a request under r waits for its decision.
func (r ApprovalRule) TTL() time.Duration {
	if r.Expiry > 0 {
		return r.Expiry
	}
	return DefaultApprovalExpiry
}

// DeniesOnFirst reports whether the first denial decides.
func (r ApprovalRule) DeniesOnFirst() bool { return r.DenyOn != DenyQuorum }

// Describe words r for people: "2 approvals of group finance, …".
func (r ApprovalRule) Describe() string {
	s := strconv.Itoa(r.Required) + " approval"
	if r.Required != 1 {
		s += "s"
	}
	if r.OwnerCounts {
		s += ", the owner's counting"
	}
	if r.Sign {
		s += ", each signed with a passkey"
	}
	return s
}

func (r ApprovalRule) validate() []error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("approval.%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if r.Required < 1 {
		bad("required", "%d: at least 1 approval is required", r.Required)
	}
	if len(r.Groups) == 0 && len(r.Members) == 0 && !r.OwnerCounts {
		bad("approvers", "missing: name approver groups or members, or let the owner count")
	}
	if !r.OwnerCounts && len(r.Groups) == 0 && len(r.Members) < r.Required {
		bad("required", "%d approvals, but only %d approvers are named", r.Required, len(r.Members))
	}
	for _, l := range [][]string{r.Groups, r.Members} {
		seen := map[string]bool{}
		for _, id := range l {
			if id == "" || seen[id] {
				bad("approvers", "an empty or repeated ID %q", id)
			}
			seen[id] = true
		}
	}
	switch r.DenyOn {
	case "", DenyFirst, DenyQuorum:
	default:
		bad("deny_on", "%q is not first or quorum", r.DenyOn)
	}
	if r.MaxDuration < 0 {
		bad("max_duration", "%s is negative", r.MaxDuration)
	}
	if r.Expiry < 0 {
		bad("expiry", "%s is negative", r.Expiry)
	}
	return errs
}

// ErrNoApproval: no approval policy applies to the account.
var ErrNoApproval = errors.New("no approval policy applies")

// Approval returns the approval policy that decides acc's unlocks at
// instant at: the first one in force, in the order that decides ties
// (the application's, then the owner's groups', then the owner's own; by
// name within each). ok is false when none applies: the owner decides.
func (s *Set) Approval(acc Account, at time.Time) (p Policy, ok bool) {
	s.each(acc, func(c *compiled, _ via) {
		if ok || c.Type != Approval || c.inForce(at) != inForce {
			return
		}
		p, ok = c.Policy, true
	})
	return p, ok
}
