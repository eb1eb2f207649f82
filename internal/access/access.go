package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// MaxAccountName is the longest account name accepted, in bytes.
const MaxAccountName = 512

// Service changes account state. It is safe for concurrent use.
type Service struct {
	// Store runs the changes; each reads what it changes inside its
	// transaction.
	Store store.Updater
	Clock clock.Clock
	// Notify lists the member channels this deployment delivers, on which
	// alert policies run by a refused unlock tell owners and admins; nil
	// means email and push.
	Notify []string
}

// CheckAccountName validates an account name (a JWT "sub").
func CheckAccountName(name string) error {
	if name == "" || len(name) > MaxAccountName || strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: account name must be 1 to %d bytes without leading or trailing spaces", store.ErrInvalid, MaxAccountName)
	}
	return nil
}

// Enroll protects account name at app, owned by the member with ownerEmail
// (created as a plain member if the tenant has none with that email; empty
// for no owner). Enrolling an enrolled account is ErrConflict; naming a
// member whose email is not verified is admin.ErrEmailUnverified, and
// enrols nothing.
func (s *Service) Enroll(ctx context.Context, actor string, app store.Application, name, ownerEmail string) (store.Account, error) {
	if err := CheckAccountName(name); err != nil {
		return store.Account{}, err
	}
	var a store.Account
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		a, err = EnrollTx(ctx, tx, actor, app, name, ownerEmail, s.Clock.Now())
		return err
	})
	return a, err
}

// EnrolmentTx is the part of a transaction that enrols an account, with
// its owner found, or created, by email.
type EnrolmentTx interface {
	store.AccountTx
	store.MemberTx
}

// AnnounceTx is the part of a transaction that changes whether accounts
// are open and announces it to the tenant's webhooks.
type AnnounceTx interface {
	store.AccountTx
	notify.EnqueueTx
}

// EnrollTx enrolls inside tx; see Enroll.
func EnrollTx(ctx context.Context, tx EnrolmentTx, actor string, app store.Application, name, ownerEmail string, now time.Time) (store.Account, error) {
	var ownerID string
	if ownerEmail != "" {
		m, err := MemberForEmail(ctx, tx, actor, app.TenantID, ownerEmail, now)
		if err != nil {
			return store.Account{}, err
		}
		ownerID = m.ID
	}
	return enrollTx(ctx, tx, actor, app, name, ownerID, now)
}

// enrollTx enrols account name at app with the member ownerID ("" for
// none) as its owner.
func enrollTx(ctx context.Context, tx store.AccountTx, actor string, app store.Application, name, ownerID string, now time.Time) (store.Account, error) {
	a := store.Account{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, Name: name, OwnerID: ownerID, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateAccount(ctx, a); err != nil {
		return store.Account{}, fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
	}
	return a, store.AppendAudit(ctx, tx, app.TenantID, actor, "account.enrolled", "account:"+a.ID,
		map[string]any{"account": name, "application": app.Issuer, "owner": a.OwnerID}, now)
}

// MemberForEmail finds the tenant's member with email, to bind something
// to, creating a plain member when there is none. A member whose email is
// not verified is admin.ErrEmailUnverified: binding by email would hand
// the account to whoever claimed the address first.
func MemberForEmail(ctx context.Context, tx store.MemberTx, actor, tenantID, email string, now time.Time) (store.Member, error) {
	m, err := tx.MemberByEmail(ctx, tenantID, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		return admin.CreateMemberTx(ctx, tx, actor, admin.NewMember{TenantID: tenantID, Email: email}, now)
	}
	if err != nil {
		return m, err
	}
	return m, admin.Bindable(m)
}

// Lock closes the account now: its open grant, if any, is revoked. It
// reports whether a grant was open. Locking a locked account changes nothing
// and records nothing.
func (s *Service) Lock(ctx context.Context, actor string, app store.Application, name string) (bool, error) {
	var revoked bool
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		now := s.Clock.Now()
		if revoked, err = tx.RevokeCurrentGrant(ctx, a.ID, now); err != nil || !revoked {
			return err
		}
		if err := notify.Enqueue(ctx, tx, notify.Change{App: app, Account: name, Locked: true}, now); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, app.TenantID, actor, "account.locked", "account:"+a.ID,
			map[string]any{"account": name, "application": app.Issuer}, now)
	})
	return revoked, err
}

// Unlock says how to open an account.
type Unlock struct {
	// For is how long the account stays open; zero means the application's
	// default. It may not exceed the application's maximum.
	For time.Duration
	// Once opens the account for the next successful check only (within For).
	Once   bool
	Reason string
}

// ErrTooLong: the unlock asked for is longer than the application allows.
var ErrTooLong = errors.New("unlock longer than the application allows")

// Unlock opens the account, replacing any grant it had. The clock starts now.
func (s *Service) Unlock(ctx context.Context, actor string, app store.Application, name string, u Unlock) (store.Grant, error) {
	d, err := unlockFor(app, u.For)
	if err != nil {
		return store.Grant{}, err
	}
	var g store.Grant
	var a store.Account
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err = tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		if err := OwnerMayDecide(ctx, tx, app, a, s.Clock.Now()); err != nil {
			return err
		}
		g, err = GrantTx(ctx, tx, actor, app, a, d, u.Once, u.Reason, s.Clock.Now())
		return err
	})
	return g, outsideWindow(ctx, s.Store, s.Clock.Now(), actor, app, a, err, s.Notify)
}

// outsideWindow runs the alert policies on unlock_outside_window when err
// is a refused unlock or approval of a (ErrOutsideWindow), and returns
// err, joined with any failure to run them.
func outsideWindow(ctx context.Context, u store.Updater, now time.Time, actor string, app store.Application, a store.Account, err error, notifyOn []string) error {
	if !errors.Is(err, ErrOutsideWindow) {
		return err
	}
	_, terr := admin.Trigger(ctx, u, now, actor, app.TenantID, admin.Event{Trigger: policy.OnUnlockOutsideWindow, At: now,
		Account: policy.Account{App: app.ID, Owner: a.OwnerID}, Reason: fmt.Sprintf("refused unlock of %q at %s", a.Name, app.Issuer)}, notifyOn)
	return errors.Join(err, terr)
}

// UnlockTx is the part of a transaction that opens an account: it reads
// the tenant's policies (allow_unlock) and announces the change.
type UnlockTx interface {
	AnnounceTx
	store.PolicyReader
}

// policySet compiles the tenant's policies as stored, with the executions
// of its alert policies in force at or after now (admin.PolicyTenant).
func policySet(ctx context.Context, r store.PolicyReader, tenantID string, now time.Time) (*policy.Set, error) {
	t, err := admin.PolicyTenant(ctx, r, tenantID, now)
	if err != nil {
		return nil, err
	}
	return policy.NewSet(t, nil)
}

// ErrOutsideWindow: an allow_unlock policy applies to the account and
// none of its windows is open now, so it may not be unlocked nor its
// request approved. The error's text says which policy opens next, when.
var ErrOutsideWindow = errors.New("unlocking is allowed only while an allow_unlock policy is active")

// UnlockAllowed is the one allow_unlock rule for every path that opens an
// account (an unlock by the CLI, the portal or the API, an approved
// request): when an allow_unlock policy applies to a and none is active at
// now, it refuses with ErrOutsideWindow and the reason. It reads the
// tenant's policies as stored (not on the lock check's hot path).
func UnlockAllowed(ctx context.Context, r store.PolicyReader, app store.Application, a store.Account, now time.Time) error {
	set, err := policySet(ctx, r, app.TenantID, now)
	if err != nil {
		return err
	}
	if p := set.Permission(policy.Account{App: app.ID, Owner: a.OwnerID}, now); p.Restricted && !p.Allowed {
		return fmt.Errorf("%w: account %q at %s: %s", ErrOutsideWindow, a.Name, app.Issuer, p.Reason)
	}
	return nil
}

// ErrApprovalRequired: an approval policy applies to the account, so its
// owner may neither unlock it nor approve its requests alone; the unlock
// goes through an access request that the policy's approvers decide
// (package approval).
var ErrApprovalRequired = errors.New("an approval policy applies: ask for access with a request its approvers decide")

// OwnerMayDecide is the rule for the owner's direct paths (unlock, approve
// a request alone): when an approval policy applies to a at now, it
// refuses with ErrApprovalRequired, naming the policy. It reads the
// tenant's policies as stored (not on the lock check's hot path).
func OwnerMayDecide(ctx context.Context, r store.PolicyReader, app store.Application, a store.Account, now time.Time) error {
	set, err := policySet(ctx, r, app.TenantID, now)
	if err != nil {
		return err
	}
	if p, ok := set.Approval(policy.Account{App: app.ID, Owner: a.OwnerID}, now); ok {
		return fmt.Errorf("%w: account %q at %s: policy %q: unlocks need %s", ErrApprovalRequired, a.Name, app.Issuer, p.Name, p.Approval.Describe())
	}
	return nil
}

// GrantTx makes a grant inside tx, with its audit event, when the
// account's allow_unlock policies allow it now (UnlockAllowed).
func GrantTx(ctx context.Context, tx UnlockTx, actor string, app store.Application, a store.Account, d time.Duration, once bool, reason string, now time.Time) (store.Grant, error) {
	if err := UnlockAllowed(ctx, tx, app, a, now); err != nil {
		return store.Grant{}, err
	}
	g := store.Grant{ID: ids.New(), TenantID: app.TenantID, AccountID: a.ID, Until: now.Add(d), Once: once,
		Reason: reason, GrantedBy: actor, CreatedAt: now}
	if err := tx.PutGrant(ctx, g); err != nil {
		return store.Grant{}, err
	}
	if err := notify.Enqueue(ctx, tx, notify.Change{App: app, Account: a.Name, Until: g.Until}, now); err != nil {
		return store.Grant{}, err
	}
	return g, store.AppendAudit(ctx, tx, app.TenantID, actor, "account.unlocked", "account:"+a.ID, map[string]any{
		"account": a.Name, "application": app.Issuer, "grant": g.ID, "until": g.Until, "once": once, "reason": reason,
	}, now)
}

// LockEverything sets or lifts a member's "lock everything". Setting it also
// revokes every open grant of the member's accounts; lifting it opens
// nothing.
func (s *Service) LockEverything(ctx context.Context, actor, memberID string, on bool) (store.Member, error) {
	return s.hardLock(ctx, actor, memberID, on, func(m *store.Member) { m.LockAll = on },
		"member.lock_everything", "member.lock_everything_lifted")
}

// LockDownMember sets or lifts an admin's lockdown of a member (design §3
// step 3): every account the member owns is hard-locked, whatever the
// member does, until it is lifted. Setting it also revokes every open
// grant of those accounts; lifting it opens nothing.
func (s *Service) LockDownMember(ctx context.Context, actor, memberID string, on bool) (store.Member, error) {
	return s.hardLock(ctx, actor, memberID, on, func(m *store.Member) { m.LockedDown = on },
		"member.locked_down", "member.lockdown_lifted")
}

// hardLock sets (on) or lifts one of a member's hard locks with set, and
// records action or liftAction.
func (s *Service) hardLock(ctx context.Context, actor, memberID string, on bool, set func(*store.Member), action, liftAction string) (store.Member, error) {
	var m store.Member
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if m, err = tx.Member(ctx, memberID); err != nil {
			return fmt.Errorf("member %q: %w", memberID, err)
		}
		now := s.Clock.Now()
		set(&m)
		m.UpdatedAt = now
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		revoked := 0
		if on {
			if revoked, err = admin.LockOwnedTx(ctx, tx, m.ID, now); err != nil {
				return err
			}
		}
		if !on {
			action = liftAction
		}
		return store.AppendAudit(ctx, tx, m.TenantID, actor, action, "member:"+m.ID,
			map[string]any{"grants_revoked": revoked}, now)
	})
	return m, err
}
