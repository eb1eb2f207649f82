package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// DefaultRequestTTL is how long an unlock request stays open when
// Requests.TTL is zero.
const DefaultRequestTTL = 5 * time.Minute

// ErrRequestClosed: the unlock request was already decided or has run out.
var ErrRequestClosed = fmt.Errorf("unlock request is no longer pending: %w", store.ErrConflict)

// RequestChange tells listeners that an unlock request of an account owned
// by OwnerID was raised, refreshed, decided or expired.
type RequestChange struct {
	OwnerID string
	Request store.UnlockRequest
	// Created is set when a lock check raised a new request (not when it
	// refreshed a pending one): the moment to notify the owner.
	Created bool
	// Account and App name the account, for notifications.
	Account store.Account
	App     store.Application
}

// Requests raises, decides and expires unlock requests (design §3 step 7).
// It implements check.RequestRaiser. It is safe for concurrent use.
type Requests struct {
	// Store reads whether the owner has a passkey and a pending request,
	// and lists the requests that ran out; changes run in transactions.
	Store interface {
		store.AccountReader
		store.PortalReader
		store.Updater
	}
	Clock clock.Clock
	// TTL is how long a request stays open after its latest raise; zero
	// means DefaultRequestTTL.
	TTL time.Duration
	// Changed, if set, is called after each committed change (raise,
	// refresh, decision, expiry). It must not block.
	Changed func(RequestChange)
	// Notify lists the member channels (store.ChannelEmail,
	// store.ChannelPush) this deployment delivers notices on. A new
	// request writes a notice for its owner to the outbox on each of them
	// that the owner chose, in the transaction that raises it, so the
	// notice survives a crash and is retried until delivered. A refresh
	// notifies nobody again.
	Notify []string
	// Approvers, if set, hears of each new request and each expiry inside
	// their transactions, so that an approval policy's approvers are
	// asked and a requester hears that their request ran out.
	Approvers Approvers
}

// Approvers tells the people an approval policy involves about unlock
// requests, inside the transaction that raises or expires one:
// approval.Service implements it. Raised must cost no query when no
// approval policy applies, since it runs on a lock check that raises a
// request.
type Approvers interface {
	// Raised: a lock check raised the sign-in request q of acct.
	Raised(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q store.UnlockRequest, now time.Time) error
	// Expired: q, of acct, ran out unanswered (q.Status is expired).
	Expired(ctx context.Context, tx store.Tx, acct store.Account, q store.UnlockRequest, now time.Time) error
}

var _ check.RequestRaiser = (*Requests)(nil)

// refreshQuiet is how long a pending request whose context did not change
// is left alone: a burst of retries from one client costs one write.
const refreshQuiet = 5 * time.Second

func (s *Requests) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultRequestTTL
}

// Raise raises or refreshes the account's pending unlock request. A request
// is raised only when someone can approve it: the account has an owner who
// can sign in to the portal (has a passkey). Otherwise it returns
// check.ErrNotRaised and the check answers plain "locked".
func (s *Requests) Raise(ctx context.Context, app store.Application, st store.CheckState, req check.Request, now time.Time) error {
	if !st.Found || st.Owner == nil {
		return check.ErrNotRaised
	}
	keys, err := s.Store.Passkeys(ctx, st.Owner.ID)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return check.ErrNotRaised
	}
	if cur, err := s.Store.PendingRequest(ctx, st.Account.ID); err == nil && cur.Open(now) &&
		now.Sub(cur.UpdatedAt) < refreshQuiet && cur.IP == req.IP && cur.Device == req.Device &&
		cur.Location == req.Location && cur.IntegrationType == req.IntegrationType {
		return nil
	}
	q := store.UnlockRequest{
		ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, AccountID: st.Account.ID,
		IP: req.IP, Device: req.Device, Location: req.Location, IntegrationType: req.IntegrationType,
		UpdatedAt: now, ExpiresAt: now.Add(s.ttl()),
	}
	var got store.UnlockRequest
	var created bool
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if got, created, err = tx.RaiseRequest(ctx, q); err != nil || !created {
			return err
		}
		// A new request is a state change; a refresh only updates its
		// context, which the check log records anyway.
		if err := store.AppendAudit(ctx, tx, app.TenantID, "system:lock-check", "request.raised", "request:"+got.ID,
			map[string]any{"account": st.Account.Name, "application": app.Issuer, "ip": req.IP, "device": req.Device,
				"location": req.Location, "expires": got.ExpiresAt}, now); err != nil {
			return err
		}
		if len(s.Notify) > 0 {
			owner, err := tx.Member(ctx, st.Owner.ID)
			if err != nil {
				return err
			}
			if err := notify.EnqueueNotice(ctx, tx, owner, notify.NoticeOf(app, st.Account.Name, got), s.Notify, now); err != nil {
				return err
			}
		}
		if s.Approvers != nil {
			return s.Approvers.Raised(ctx, tx, app, st.Account, got, now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.changed(RequestChange{OwnerID: st.Owner.ID, Request: got, Created: created, Account: st.Account, App: app})
	return nil
}

// Decision says how to answer an unlock request.
type Decision struct {
	Approve bool
	// For is how long an approval opens the account; zero means the
	// application's default. The clock starts at the approval.
	For time.Duration
	// Once opens it for the next successful check only (within For).
	Once bool
}

// Decide approves or denies a pending request of an account the member
// owns. Approval grants the unlock in the same transaction, with its audit
// events. A request of someone else's account is store.ErrNotFound; one
// already decided or run out is ErrRequestClosed; an approval longer than
// the application allows is ErrTooLong.
func (s *Requests) Decide(ctx context.Context, actor, memberID, requestID string, d Decision) (store.UnlockRequest, error) {
	var out RequestChange
	var acct store.Account
	var app store.Application
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		q, err := tx.UnlockRequest(ctx, requestID)
		if err != nil {
			return fmt.Errorf("unlock request %q: %w", requestID, err)
		}
		acct, err = tx.AccountByID(ctx, q.AccountID)
		if err != nil {
			return err
		}
		if acct.OwnerID != memberID {
			return fmt.Errorf("unlock request %q: %w", requestID, store.ErrNotFound)
		}
		if !q.Open(now) {
			return ErrRequestClosed
		}
		app, err = tx.Application(ctx, q.AppID)
		if err != nil {
			return err
		}
		if d.Approve || q.PolicyID != "" {
			// A denial by the owner alone is still the owner's to give,
			// unless approvers decide this request.
			if err := OwnerMayDecide(ctx, tx, app, acct, now); err != nil || q.PolicyID != "" {
				return cmp.Or(err, fmt.Errorf("%w: request %s is decided by its approvers", ErrApprovalRequired, q.ID))
			}
		}
		status, action, grantID := store.RequestDenied, "request.denied", ""
		data := map[string]any{"account": acct.Name, "application": app.Issuer}
		if d.Approve {
			dur, err := unlockFor(app, d.For)
			if err != nil {
				return err
			}
			g, err := GrantTx(ctx, tx, actor, app, acct, dur, d.Once, "approved unlock request "+q.ID, now)
			if err != nil {
				return err
			}
			status, action, grantID = store.RequestApproved, "request.approved", g.ID
			data["grant"], data["until"], data["once"] = g.ID, g.Until, g.Once
		}
		ok, err := tx.DecideRequest(ctx, q.ID, status, actor, grantID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrRequestClosed
		}
		if err := store.AppendAudit(ctx, tx, app.TenantID, actor, action, "request:"+q.ID, data, now); err != nil {
			return err
		}
		q.Status, q.DecidedBy, q.DecidedAt, q.GrantID = status, actor, now, grantID
		out = RequestChange{OwnerID: memberID, Request: q, Account: acct, App: app}
		return nil
	})
	if err != nil {
		return store.UnlockRequest{}, outsideWindow(ctx, s.Store, s.Clock.Now(), actor, app, acct, err, s.Notify)
	}
	s.changed(out)
	return out.Request, nil
}

// unlockFor is the length of an unlock asked for d (zero: the default),
// refused when longer than the application allows.
func unlockFor(app store.Application, d time.Duration) (time.Duration, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("%w: unlock duration %s is negative", store.ErrInvalid, d)
	case d == 0:
		return app.DefaultUnlock, nil
	case d > app.MaxUnlock:
		return 0, fmt.Errorf("%w: %s asked, %s at most for %s", ErrTooLong, d, app.MaxUnlock, app.Issuer)
	}
	return d, nil
}

// ExpireRequests marks every pending request that has run out as expired,
// each in its own transaction with its audit event, and returns how many
// it marked. Of several nodes running it at once, each request is marked
// by one. It is a background job.
func (s *Requests) ExpireRequests(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.Clock.Now()
		qs, err := s.Store.ExpiredRequests(ctx, now, 100)
		if err != nil || len(qs) == 0 {
			return total, err
		}
		for _, q := range qs {
			var out RequestChange
			won := false
			err := s.Store.Update(ctx, func(tx store.Tx) error {
				var err error
				if won, err = tx.DecideRequest(ctx, q.ID, store.RequestExpired, "system:expiry", "", now); err != nil || !won {
					return err
				}
				acct, err := tx.AccountByID(ctx, q.AccountID)
				if err != nil {
					return err
				}
				q.Status, q.DecidedBy, q.DecidedAt = store.RequestExpired, "system:expiry", now
				out = RequestChange{OwnerID: acct.OwnerID, Request: q, Account: acct}
				if err := store.AppendAudit(ctx, tx, q.TenantID, "system:expiry", "request.expired", "request:"+q.ID,
					map[string]any{"account": acct.Name, "expired": q.ExpiresAt}, now); err != nil {
					return err
				}
				if s.Approvers != nil {
					return s.Approvers.Expired(ctx, tx, acct, q, now)
				}
				return nil
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return total, err
			}
			if err == nil && won {
				total++
				s.changed(out)
			}
		}
		if len(qs) < 100 {
			return total, nil
		}
	}
}

func (s *Requests) changed(c RequestChange) {
	if s.Changed != nil && c.OwnerID != "" {
		s.Changed(c)
	}
}
