package blockedsignin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// CursorEndpoint names the job's stream cursors (kind "checks", one per
// tenant). Configured SIEM and witness names may not start with
// "deadbolt:".
const CursorEndpoint = "deadbolt:blocked_signin"

// Actor is who the audit says executed a policy on a blocked sign-in.
const Actor = "system:blocked-signin"

// Store is what the job needs of the store.
type Store interface {
	store.ConfigReader
	store.CheckLogReader
	store.Updater
}

// PolicySets reads a tenant's compiled policies, from memory: the node's
// check cache. The job asks it whether a tenant reacts to blocked sign-ins
// before reading anything of that tenant.
type PolicySets interface {
	PolicySet(ctx context.Context, tenantID string) (*policy.Set, error)
}

// Job runs the alert policies on the blocked sign-ins not yet read.
type Job struct {
	Store Store
	// Sets, if set, spares the tenants without a policy on blocked
	// sign-ins any SQL; without it each tenant's policies are read.
	Sets  PolicySets
	Clock clock.Clock
	// Batch is how many records one transaction reads (default 500).
	Batch int
	// Notify lists the member channels this deployment delivers, for the
	// alert policies' notices; nil means email and push.
	Notify []string

	idle checklog.IdleCursors
}

// RunOnce reads every tenant's blocked sign-ins committed so far and
// returns the executions it made.
func (j *Job) RunOnce(ctx context.Context) ([]store.Execution, error) {
	tenants, err := j.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Execution
	var errs []error
	for _, t := range tenants {
		if j.Sets != nil {
			set, err := j.Sets.PolicySet(ctx, t.ID)
			if err != nil {
				// Policies that do not compile stop the tenant's checks
				// too (policy_invalid); the cursor waits for the fix.
				errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID, err))
				continue
			}
			if !set.Reacts(policy.OnBlockedSignin) {
				continue
			}
		}
		for {
			made, more, err := j.page(ctx, t.ID)
			out = append(out, made...)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID, err))
			}
			if err != nil || !more {
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

// page reacts to one page of a tenant's blocked sign-ins after its cursor
// and moves the cursor, in one transaction; more says a full page was
// read.
func (j *Job) page(ctx context.Context, tenantID string) (made []store.Execution, more bool, err error) {
	err = j.Store.Update(ctx, func(tx store.Tx) error {
		made, more = nil, false
		r, err := admin.NewReactor(ctx, tx, Actor, tenantID, j.Clock.Now(), j.Notify)
		if err != nil {
			return err
		}
		if !r.Reacts(policy.OnBlockedSignin) {
			return nil // the cursor waits; a policy enabled later starts at its change (Since)
		}
		// A tenant's first read starts at its policies' change; later
		// reads go on from the cursor, and a policy does not answer
		// the sign-ins before its change (React).
		p, err := j.tail().Read(ctx, tx, tenantID, j.Clock.Now(), func() time.Time {
			return r.Since(policy.OnBlockedSignin)
		})
		if err != nil {
			return err
		}
		owners := owners{tx: tx}
		for _, rec := range p.Records {
			acc, err := owners.account(ctx, rec)
			if err != nil {
				return err
			}
			e, err := r.React(ctx, admin.Event{Trigger: policy.OnBlockedSignin, At: rec.At, Account: acc,
				Reason: fmt.Sprintf("blocked sign-in of %q (%s, check %s)", clip(rec.Account), rec.Status, rec.ID)})
			if err != nil {
				return err
			}
			made = append(made, e...)
		}
		more = p.More
		return p.Advance(ctx, tx)
	})
	return made, more, err
}

// tail is the job's reader of the check log.
func (j *Job) tail() checklog.Tail {
	return checklog.Tail{Endpoint: CursorEndpoint, LockedOnly: true, Batch: j.Batch, Idle: &j.idle}
}

// owners finds the owner of the account a check record names, once per
// account in a page.
type owners struct {
	tx   store.Tx
	seen map[[2]string]string
}

func (o *owners) account(ctx context.Context, rec store.CheckRecord) (policy.Account, error) {
	k := [2]string{rec.AppID, rec.Account}
	if o.seen == nil {
		o.seen = map[[2]string]string{}
	}
	owner, ok := o.seen[k]
	if !ok {
		a, err := o.tx.Account(ctx, rec.AppID, rec.Account)
		switch {
		case errors.Is(err, store.ErrNotFound): // not enrolled: no owner
		case err != nil:
			return policy.Account{}, err
		default:
			owner = a.OwnerID
		}
		o.seen[k] = owner
	}
	return policy.Account{App: rec.AppID, Owner: owner}, nil
}

// clip cuts a typed account name (any caller's text, up to 500
// characters) to 64 characters for the notices it goes into.
func clip(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:63]) + "…"
	}
	return s
}
