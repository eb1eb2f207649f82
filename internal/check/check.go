package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// ErrAppDisabled: the token is valid but its application is disabled.
var ErrAppDisabled = errors.New("application is disabled")

// ErrKeyUnusable: reading what the check needs failed on key material
// this server cannot open (a secret sealed under another master key),
// found before any token could be verified with it. It is the operator's
// fault, not the client's: the check did not decide. A token that names
// one of its application's keys that this server cannot use is not this
// error: it is refused as unauthenticated (token.UnusableKey), and other
// keys of the application keep working.
var ErrKeyUnusable = errors.New("signing key is unusable on this server")

// ErrAccountNotPermitted: the body names another account than the token's
// sub and the application has not let its server name accounts
// (store.Application.ServerNamesAccounts).
var ErrAccountNotPermitted = errors.New("the body names another account than the token's sub")

// userTokenPrefix starts every nl3UserToken deadbolt hands out.
const userTokenPrefix = "nl3u_"

// UserToken is the opaque reference to a protected account that
// enablement returns as nl3UserToken; lock checks may name the account by
// it.
func UserToken(accountID string) string { return userTokenPrefix + accountID }

// ErrNotRaised is what a RequestRaiser returns when it raised no request
// because nobody could approve one (the account has no owner who can sign
// in); the check then answers plain "locked" instead of "pending_approval".
var ErrNotRaised = errors.New("no unlock request raised: nobody can approve it")

// Request is one lock check as it arrived. Check bounds its context fields
// (see Bound) before deciding, logging or raising anything.
type Request struct {
	Token string
	// BodyNamesAccount says the request came on a path where the body may
	// name the account (the NL3 SDK path). Elsewhere Account and UserToken
	// are ignored and the token's sub decides.
	BodyNamesAccount bool
	// Account names the account instead of the token's subject (the NL3
	// SDK's userAccountId): honoured only with BodyNamesAccount, and only
	// when it is the token's own sub or the application lets its server
	// name accounts; otherwise Check fails with ErrAccountNotPermitted.
	Account string
	// UserToken, when Account is empty, names the account by the
	// reference enablement returned (nl3UserToken, see UserToken), under
	// the same rules as Account. A reference to no account of the token's
	// application is ignored: the token's subject decides.
	UserToken       string
	IP              string
	Device          string
	Location        string
	IntegrationType string
	// IntegrationData is the integration's own context as compact JSON.
	// It is bounded like the rest but not kept in the check log.
	IntegrationData string
	// Peek decides without side effects: no once-grant is consumed and no
	// unlock request raised. The check is still logged.
	Peek bool
}

// Result is the answer to a lock check.
type Result struct {
	Locked    bool
	Status    lock.Status
	Message   string
	SessionID string
	AppID     string
	Account   string
}

// PolicyVerdict is what the policies say about one check (design §3 steps
// 3–5). The zero value means "no policy applies".
type PolicyVerdict struct {
	HardLock      lock.HardLock
	ContextDenied bool
	ContextReason string
	Scheduled     bool
	// The policies behind HardLock, ContextDenied and Scheduled, for the
	// check log: the one that decides is recorded.
	LockPolicy, ContextPolicy, UnlockPolicy string
	// AddressPolicy is a context policy that applies, whatever it said
	// (see Status).
	AddressPolicy string
}

// decider is the ID of the policy that made decision d, or "".
func (v PolicyVerdict) decider(d lock.Decision) string {
	switch {
	case d.Status == lock.StatusLockdown && d.Reason == string(lock.HardLockPolicy):
		return v.LockPolicy
	case d.Status == lock.StatusDeniedByPolicy:
		return v.ContextPolicy
	case d.Status == lock.StatusScheduled:
		return v.UnlockPolicy
	}
	return ""
}

// PolicyEvaluator evaluates JIT policies. Implementations are safe for
// concurrent use.
type PolicyEvaluator interface {
	Evaluate(ctx context.Context, app store.Application, st store.CheckState, req Request, now time.Time) (PolicyVerdict, error)
}

// RequestRaiser raises or refreshes an account's pending unlock request.
// Implementations are safe for concurrent use.
type RequestRaiser interface {
	Raise(ctx context.Context, app store.Application, st store.CheckState, req Request, now time.Time) error
}

// AppKeys reads what verifying a token needs: the application that has an
// issuer, and its signing keys ready to verify with. An unknown issuer is
// an error wrapping store.ErrNotFound. *cache.Cache implements it, from
// memory when its feed allows, with opened HS256 secrets kept in memory
// only. Implementations are safe for concurrent use.
type AppKeys interface {
	ApplicationAndKeys(ctx context.Context, issuer string) (store.Application, []cache.Key, error)
}

// Store is everything else a lock check asks of the store: the account's
// state (once per check), the account a user token names, and the one
// change a check makes, consuming a once-grant. *cache.Cache implements
// it, CheckState from memory when its feed allows. Implementations are
// safe for concurrent use.
type Store interface {
	// CheckState reads what deciding needs about one account.
	CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error)
	// AccountByID finds the account a user token (nl3UserToken) names.
	AccountByID(ctx context.Context, id string) (store.Account, error)
	// Update consumes a once-grant, with its announcement and audit
	// record, in one transaction.
	store.Updater
}

// Deps are the service's collaborators. Policies and Requests may be nil;
// Keys may be nil only for a Service used for Evaluate alone.
type Deps struct {
	// Store serves the check's other reads and its writes. Give it the
	// same cache as Keys to read account states from memory.
	Store Store
	// Keys reads applications and keys: the node's cache, or a
	// cache.Cache that is never subscribed (it reads through and keeps
	// only the opened keys).
	Keys     AppKeys
	Clock    clock.Clock
	Log      *checklog.Writer
	Verifier *token.Verifier
	Policies PolicyEvaluator
	Requests RequestRaiser
	// ObserveStore, if set, receives the latency of the hot path's store
	// reads (for metrics).
	ObserveStore func(op string, d time.Duration)
	// Logger hears of signing keys this server cannot use (sealed under
	// another master key), once per key; nil: slog.Default.
	Logger *slog.Logger
}

// Service answers lock checks. It is safe for concurrent use.
type Service struct {
	d       Deps
	broken  sync.Map // kid → struct{}: keys found unusable and logged
	retired retiredSet
}

// New returns a Service.
func New(d Deps) *Service { return &Service{d: d} }

// Check answers one lock check. Its errors wrap token.ErrInvalid (401;
// also a token naming a signing key this server cannot use, see
// token.UnusableKey), ErrAppDisabled (403), ErrKeyUnusable (500, a
// store-level key problem), policy.ErrInvalid (500) or
// store.ErrUnavailable (503).
func (s *Service) Check(ctx context.Context, req Request) (Result, error) {
	now := s.d.Clock.Now()
	req = req.Bound()
	app, kid, claims, tok, err := s.authenticate(ctx, req.Token)
	if err != nil {
		return Result{}, err
	}
	if !app.Enabled {
		return Result{}, fmt.Errorf("%w: %s", ErrAppDisabled, app.Issuer)
	}
	if tok.IsEnablement() {
		return Result{}, token.Reject(token.ErrWrongUse, "an enablement token (typ %s) cannot be used for a lock check", token.TypeEnablement)
	}
	if s.retired.has(tok, now) {
		return Result{}, token.Reject(token.ErrWrongUse, "this token was used for enablement and cannot be used for a lock check")
	}
	account, err := s.account(ctx, app, claims.Subject, req)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	st, err := s.d.Store.CheckState(ctx, app.ID, account)
	s.observe("check_state", start)
	if err != nil {
		return Result{}, unavailable("read account state", err)
	}
	in, verdict, err := s.input(ctx, app, st, req, now)
	if err != nil {
		return Result{}, err
	}
	if req.Peek {
		in.RaisesRequests = false
	}
	d := lock.Decide(in)
	if d.ConsumeGrant && !req.Peek {
		used, err := s.consume(ctx, app, st, now)
		if err != nil {
			return Result{}, err
		}
		if !used { // another check used it first
			in.Grant = nil
			d = lock.Decide(in)
		}
	}
	if d.RaiseRequest && !req.Peek {
		switch err := s.d.Requests.Raise(ctx, app, st, req, now); {
		case errors.Is(err, ErrNotRaised):
			d = lock.Decision{Locked: true, Status: lock.StatusLocked}
		case err != nil:
			return Result{}, unavailable("raise unlock request", err)
		}
	}
	res := Result{
		Locked: d.Locked, Status: d.Status, Message: lock.Message(d.Status, d.Locked),
		SessionID: ids.New(), AppID: app.ID, Account: account,
	}
	rec := store.CheckRecord{
		ID: res.SessionID, TenantID: app.TenantID, AppID: app.ID, KID: kid, Account: account, At: now,
		Locked: res.Locked, Status: string(res.Status), IP: req.IP, Device: req.Device,
		Location: req.Location, IntegrationType: req.IntegrationType, PolicyID: verdict.decider(d),
	}
	if err := s.d.Log.Write(ctx, rec); err != nil {
		return Result{}, unavailable("write check log", err)
	}
	return res, nil
}

// account is the account a check decides for: the token's sub, unless the
// body may and does name another (see Request.Account).
func (s *Service) account(ctx context.Context, app store.Application, sub string, req Request) (string, error) {
	if !req.BodyNamesAccount || (req.Account == "" && req.UserToken == "") {
		return sub, nil
	}
	named := req.Account
	if named == "" {
		id, ok := strings.CutPrefix(req.UserToken, userTokenPrefix)
		if !ok {
			return sub, nil
		}
		a, err := s.d.Store.AccountByID(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return sub, nil
		case err != nil:
			return "", unavailable("read account of user token", err)
		case a.AppID != app.ID:
			return sub, nil
		}
		named = a.Name
	}
	if named != sub && !app.ServerNamesAccounts {
		return "", fmt.Errorf("%w: application %s does not let its server name accounts", ErrAccountNotPermitted, app.Issuer)
	}
	return named, nil
}

// Evaluate decides for an account without side effects: no grant is
// consumed, no request raised, nothing logged. It serves status displays:
// it is Status's Decision (see there for context rules, which need a
// sign-in's address).
func (s *Service) Evaluate(ctx context.Context, app store.Application, st store.CheckState, now time.Time) (lock.Decision, error) {
	v, err := s.Status(ctx, app, st, now)
	return v.Decision, err
}

// Status is an account's state as a display shows it: decided at an
// instant without a sign-in, so without the address a sign-in comes from.
type Status struct {
	lock.Decision
	// AddressPolicy, when set, is a context policy that decides each
	// sign-in by its address (and country), which a display does not
	// have: Decision is then the answer for a sign-in from an address it
	// allows, and one from elsewhere is refused (denied_by_policy).
	AddressPolicy string
	// AddressReason words AddressPolicy's rule as it judged a sign-in
	// with no address (empty when its on_unknown allows that).
	AddressReason string
}

// Status decides for an account as Evaluate does, and says whether the
// answer depends on the sign-in's address. A context rule cannot be
// judged without one (the check would decide by its on_unknown, deny by
// default), so it is left out of the decision and named instead: a
// display must not say denied_by_policy for every account a context
// policy applies to.
func (s *Service) Status(ctx context.Context, app store.Application, st store.CheckState, now time.Time) (Status, error) {
	in, v, err := s.input(ctx, app, st, Request{}, now)
	if err != nil {
		return Status{}, err
	}
	in.RaisesRequests = false
	out := Status{AddressPolicy: v.AddressPolicy}
	if in.ContextDenied {
		out.AddressPolicy, out.AddressReason = v.ContextPolicy, v.ContextReason
		in.ContextDenied, in.ContextReason = false, ""
	}
	out.Decision = lock.Decide(in)
	return out, nil
}

// Authenticate verifies an application's token the way a lock check does
// (enablement uses the same tokens) and returns its application and claims,
// deciding nothing and logging nothing. Its errors are those of Check; a
// disabled application is ErrAppDisabled.
func (s *Service) Authenticate(ctx context.Context, raw string) (store.Application, token.Claims, error) {
	app, _, claims, _, err := s.authenticate(ctx, raw)
	if err == nil && !app.Enabled {
		err = fmt.Errorf("%w: %s", ErrAppDisabled, app.Issuer)
	}
	return app, claims, err
}

// authenticate verifies the token and returns its application, the kid of
// the key that verified it, the token's claims and the parsed token.
func (s *Service) authenticate(ctx context.Context, raw string) (store.Application, string, token.Claims, *token.Token, error) {
	tok, err := token.Parse(raw) // once: VerifyToken reuses it
	if err != nil {
		return store.Application{}, "", token.Claims{}, nil, err
	}
	issuer := tok.Issuer
	start := time.Now()
	app, all, err := s.d.Keys.ApplicationAndKeys(ctx, issuer)
	s.observe("application_and_keys", start)
	if errors.Is(err, store.ErrNotFound) {
		return store.Application{}, "", token.Claims{}, nil, token.Reject(token.ErrUnknownIssuer, "no application has issuer %q", issuer)
	}
	if err != nil {
		return store.Application{}, "", token.Claims{}, nil, unavailable("read application and keys", err)
	}
	now := s.d.Clock.Now()
	var active, inactive []token.Key
	for _, k := range all {
		if k.Err != nil {
			// One bad key must not take the application down: skip it,
			// unless the token names it.
			s.logBroken(app, k.KID, k.Err)
			if tok.KID == k.KID {
				// Without the key the signature cannot be checked, so the
				// token may be anyone's. The key goes to the verifier
				// without material, which verifies nothing: the token is
				// refused as one naming a kid of no key is, in the same
				// order of checks (401 token_unknown_key, see
				// token.UnusableKey). That tells an unauthenticated caller
				// nothing about the server's keys and cannot be used to
				// raise 500s; the operator learns of the key from the log.
				active = append(active, token.Key{KID: k.KID, Algorithm: k.Algorithm})
			}
			continue
		}
		if k.Active(now) {
			active = append(active, k.Verify)
		} else {
			inactive = append(inactive, k.Verify)
		}
	}
	claims, kid, err := s.d.Verifier.VerifyToken(tok, active)
	if errors.Is(err, token.ErrBadKey) { // its material cannot verify
		s.logBroken(app, tok.KID, err)
	}
	if err != nil {
		// Name a revoked or expired key rather than a bad signature, so an
		// operator who forgot to roll a key out sees why.
		if errors.Is(err, token.ErrSignature) && len(inactive) > 0 {
			if _, old, err2 := s.d.Verifier.VerifyToken(tok, inactive); err2 == nil {
				return store.Application{}, "", token.Claims{}, nil, token.Reject(token.ErrKeyRevoked, "key %s is revoked or expired", old)
			}
		}
		return store.Application{}, "", token.Claims{}, nil, err
	}
	return app, kid, claims, tok, nil
}

// logBroken logs, once per kid, a signing key this server cannot use.
func (s *Service) logBroken(app store.Application, kid string, err error) {
	if _, seen := s.broken.LoadOrStore(kid, struct{}{}); !seen {
		s.logger().Error("signing key skipped: this server cannot use it (sealed under another master key?); "+
			"tokens naming it are refused as 401 token_unknown_key; revoke and delete it (deadbolt key revoke, key delete)",
			"kid", kid, "application", app.Issuer, "err", err)
	}
}

func (s *Service) logger() *slog.Logger {
	if s.d.Logger != nil {
		return s.d.Logger
	}
	return slog.Default()
}

func (s *Service) input(ctx context.Context, app store.Application, st store.CheckState, req Request, now time.Time) (lock.Input, PolicyVerdict, error) {
	in := lock.Input{
		Now: now, Enrolled: st.Found, UnenrolledAllowed: app.Unenrolled == store.UnenrolledAllow,
		RaisesRequests: s.d.Requests != nil,
	}
	switch {
	case app.LockedDown:
		in.HardLock = lock.HardLockApplication
	case st.Owner != nil && st.Owner.LockedDown:
		in.HardLock = lock.HardLockMember
	case st.Owner != nil && st.Owner.LockAll:
		in.HardLock = lock.HardLockEverything
	}
	if st.Grant != nil {
		g := st.Grant
		in.Grant = &lock.Grant{Until: g.Until, Once: g.Once, Spent: !g.RevokedAt.IsZero() || !g.ConsumedAt.IsZero()}
	}
	// An unenrolled account that its application lets in still answers
	// to the application's policies (lock.Decide); one it refuses needs
	// none.
	if s.d.Policies != nil && (st.Found || in.UnenrolledAllowed) {
		v, err := s.d.Policies.Evaluate(ctx, app, st, req, now)
		if err != nil {
			return lock.Input{}, PolicyVerdict{}, unavailable("evaluate policies", err)
		}
		if in.HardLock == lock.HardLockNone {
			in.HardLock = v.HardLock
		}
		in.ContextDenied, in.ContextReason, in.Scheduled = v.ContextDenied, v.ContextReason, v.Scheduled
		return in, v, nil
	}
	return in, PolicyVerdict{}, nil
}

// consume uses the account's once-grant; false means another check did.
func (s *Service) consume(ctx context.Context, app store.Application, st store.CheckState, now time.Time) (bool, error) {
	var used bool
	err := s.d.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if used, err = tx.ConsumeGrant(ctx, st.Grant.ID, now); err != nil || !used {
			return err
		}
		// The account is locked again: tell push receivers.
		if err := notify.Enqueue(ctx, tx, notify.Change{App: app, Account: st.Account.Name, Locked: true}, now); err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, audit.Event{
			TenantID: app.TenantID, Actor: "system:lock-check", Action: "grant.consumed",
			Target: "account:" + st.Account.ID,
			Data:   map[string]any{"grant": st.Grant.ID, "account": st.Account.Name, "application": app.Issuer},
		}, now)
		return err
	})
	if err != nil {
		return false, unavailable("consume once-grant", err)
	}
	return used, nil
}

func (s *Service) observe(op string, start time.Time) {
	if s.d.ObserveStore != nil {
		s.d.ObserveStore(op, time.Since(start))
	}
}

// unavailable marks err as a store outage (the check did not decide),
// unless it is already of a class of its own: a key problem or a policy
// that does not compile is the operator's to fix and must not read as an
// unreachable database.
func unavailable(op string, err error) error {
	switch {
	case errors.Is(err, seal.ErrOpen) && !errors.Is(err, ErrKeyUnusable):
		return fmt.Errorf("check: %s: %w: %w", op, ErrKeyUnusable, err)
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, ErrKeyUnusable), errors.Is(err, token.ErrBadKey),
		errors.Is(err, store.ErrMasterKey), errors.Is(err, policy.ErrInvalid):
		return fmt.Errorf("check: %s: %w", op, err)
	}
	return fmt.Errorf("check: %s: %w: %v", op, store.ErrUnavailable, err)
}
