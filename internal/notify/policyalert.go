package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TypePolicyAlert is the type of the notice that an alert policy was
// executed or lifted.
const TypePolicyAlert = "policy.alert"

// MaxAlertAccounts bounds the accounts one PolicyAlert names; the rest are
// counted in More.
const MaxAlertAccounts = 20

// PolicyAlert tells a member that an alert policy ran (or was lifted):
// an owner, about the accounts of theirs it affects; an admin, about all
// of them (Count). Like every notice it carries no secret.
type PolicyAlert struct {
	Policy   string `json:"policy"` // its name
	PolicyID string `json:"policy_id"`
	Action   string `json:"action"` // lock, unlock or allow_unlock
	// On is the event that ran it (execute, blocked_signin,
	// unlock_outside_window); Lifted says the notice is of a lift.
	On     string    `json:"on,omitempty"`
	Lifted bool      `json:"lifted,omitempty"`
	By     string    `json:"by"` // the audit actor
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	Until  time.Time `json:"until,omitzero"` // when the execution ends by itself; zero: when lifted
	// Accounts names affected accounts ("account at application"), at
	// most MaxAlertAccounts; More counts the others; Count is all of them.
	Accounts []string `json:"accounts,omitempty"`
	More     int      `json:"more,omitempty"`
	Count    int      `json:"count"`
}

// Add counts one affected account, naming it while there is room.
func (a *PolicyAlert) Add(account, app string) {
	a.Count++
	if len(a.Accounts) < MaxAlertAccounts {
		a.Accounts = append(a.Accounts, Line(account, 512)+" at "+Line(app, 200))
		return
	}
	a.More++
}

func (a *PolicyAlert) clean() {
	a.Policy = Line(a.Policy, 200)
	a.By = Line(a.By, 200)
	a.Reason = Line(a.Reason, 500)
	a.On = Line(a.On, 50)
}

// DecodePolicyAlert reads the policy alert of an email or push message; a
// payload that is not one wraps ErrPermanent.
func DecodePolicyAlert(m store.OutboxMessage) (PolicyAlert, error) {
	var a PolicyAlert
	if m.Type != TypePolicyAlert {
		return a, fmt.Errorf("%w: message type %q is not a policy alert", ErrPermanent, m.Type)
	}
	if err := json.Unmarshal(m.Payload, &a); err != nil {
		return a, fmt.Errorf("%w: policy alert payload: %v", ErrPermanent, err)
	}
	a.clean()
	return a, nil
}

// EnqueuePolicyAlert writes, inside tx, the alert a for member m on every
// one of channels (the member channels this deployment delivers), whatever
// m chose: an alert policy is a security event. Push is skipped while m
// has no subscribed browser. It returns the channels it wrote to.
func EnqueuePolicyAlert(ctx context.Context, tx NoticeTx, m store.Member, a PolicyAlert, channels []string, now time.Time) ([]string, error) {
	a.clean()
	return enqueue(ctx, tx, m, TypePolicyAlert, a, channels, func(string) bool { return true }, now)
}
