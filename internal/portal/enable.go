package portal

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// ticket is a verified enablement, kept in a sealed cookie while the person
// signs in or registers.
type ticket struct {
	AppID    string    `json:"app"`
	Account  string    `json:"account"`
	ReturnTo string    `json:"return_to,omitempty"`
	Expires  time.Time `json:"expires"`
}

// errReplayed: an enablement token already spent.
var errReplayed = &httpx.Error{Status: http.StatusConflict, Code: "token_replayed",
	Message: "this enablement token was already used; each works once: mint a new one"}

const (
	ticketOwner = "portal:enable"
	ticketTTL   = 15 * time.Minute
)

// verifyEnableToken checks an application's enablement token and spends it:
// its one-time key (token.Token.OneTimeKey: its jti, else its decoded
// signature) is recorded.
// Every refusal is a *pageError that says what is wrong and links nothing,
// with the code and cause that EnableAPI answers through httpx.ErrorOf.
func verifyEnableToken(ctx context.Context, s store.Updater, chk *check.Service, clk clock.Clock, raw string) (store.Application, token.Claims, error) {
	if raw == "" {
		return store.Application{}, token.Claims{}, &pageError{Status: http.StatusBadRequest, Title: "This link is incomplete",
			Message: "The link that brought you here is missing a part. Go back to the application and start again from there; if it keeps happening, tell that application's administrators.",
			Cause:   token.Reject(token.ErrMissing, "send the application's token in x-nl3-authorization-token (or Authorization: Bearer)")}
	}
	app, claims, err := chk.Authenticate(ctx, raw)
	switch {
	case errors.Is(err, check.ErrAppDisabled):
		return app, claims, &pageError{Status: http.StatusForbidden, Title: "Application disabled",
			Message: "The application that sent you here does not use deadbolt at the moment, so nothing was linked. Ask its administrators.", Cause: err}
	case errors.Is(err, token.ErrExpired):
		return app, claims, &pageError{Status: http.StatusUnauthorized, Title: "This link has expired",
			Message: "The link is too old. Go back to the application and start again.", Cause: err}
	case errors.Is(err, token.ErrInvalid):
		return app, claims, &pageError{Status: http.StatusUnauthorized, Title: "This link is not valid",
			Message: "deadbolt could not confirm that this link comes from an application it protects, so nothing was linked. Go back to the application and start again; if it keeps happening, tell that application's administrators.", Cause: err}
	case err != nil:
		return app, claims, err
	}
	if err := access.CheckAccountName(claims.Subject); err != nil {
		return app, claims, &pageError{Status: http.StatusBadRequest, Title: "This link is not valid",
			Message: "The link does not name an account deadbolt can protect, so nothing was linked. Tell the application's administrators.",
			Cause: &httpx.Error{Status: http.StatusBadRequest, Code: "invalid",
				Message: "the token's sub is not an account name deadbolt can protect; nothing was linked", Cause: err}}
	}
	tok, err := token.Parse(raw) // verified above; parsed again for its one-time key
	if err != nil {
		return app, claims, err
	}
	key := tok.OneTimeKey()
	exp := claims.ExpiresAt
	if exp.IsZero() {
		exp = clk.Now().Add(token.DefaultMaxLifetime)
	}
	until := exp.Add(token.DefaultLeeway)
	var fresh bool
	err = s.Update(ctx, func(tx store.Tx) error {
		var err error
		fresh, err = tx.UseNonce(ctx, "enable:"+key, until, clk.Now())
		return err
	})
	if err != nil {
		return app, claims, err
	}
	if !fresh {
		return app, claims, &pageError{Status: http.StatusConflict, Title: "This link was already used",
			Message: "Each enablement link works once. Go back to the application and start again.", Cause: errReplayed}
	}
	return app, claims, nil
}

// checkReturnTo accepts an absolute http(s) URL whose origin the
// application registered; "" is fine (no return).
func checkReturnTo(app store.Application, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	bad := &pageError{Status: http.StatusBadRequest, Title: "Unknown return address",
		Message: "The application asked deadbolt to send you back to an address it has not registered, so nothing was linked. Tell the application's administrators."}
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", bad
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	if !slices.ContainsFunc(app.Origins, func(o string) bool { return strings.EqualFold(strings.TrimRight(o, "/"), origin) }) {
		return "", bad
	}
	return u.String(), nil
}

func (p *Portal) enableStart(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	q := r.URL.Query()
	raw := q.Get("auth-token")
	app, claims, err := p.peekEnable(r.Context(), raw)
	if err != nil {
		return err
	}
	returnTo, err := checkReturnTo(app, q.Get("return_to"))
	if err != nil {
		return err
	}
	// Only now, with everything else in order, is the token spent.
	if app, claims, err = verifyEnableToken(r.Context(), p.d.Store, p.d.Check, p.d.Clock, raw); err != nil {
		return err
	}
	t := ticket{AppID: app.ID, Account: claims.Subject, ReturnTo: returnTo, Expires: p.now().Add(ticketTTL)}
	if err := p.putSealed(w, enableCookie, ticketOwner, t, ticketTTL); err != nil {
		return err
	}
	// Drop the token from the address bar and history.
	return seeOther(w, r, "/enable/continue")
}

// peekEnable verifies the token without spending it, so a bad return
// address does not burn a good token.
func (p *Portal) peekEnable(ctx context.Context, raw string) (store.Application, token.Claims, error) {
	if raw == "" {
		return verifyEnableToken(ctx, p.d.Store, p.d.Check, p.d.Clock, raw)
	}
	app, claims, err := p.d.Check.Authenticate(ctx, raw)
	if err != nil {
		return verifyEnableToken(ctx, p.d.Store, p.d.Check, p.d.Clock, raw) // for its error page
	}
	// A token shown at /enable travels in a browser's address: from now on
	// it never serves a lock check, whatever happens to the enablement.
	if tok, err := token.Parse(raw); err == nil {
		p.d.Check.Retire(tok.OneTimeKey(), claims.ExpiresAt.Add(token.DefaultLeeway))
	}
	return app, claims, nil
}

// enableTicket opens the enablement cookie.
func (p *Portal) enableTicket(r *http.Request) (ticket, store.Application, error) {
	var t ticket
	if err := p.getSealed(r, enableCookie, ticketOwner, &t); err != nil || !p.now().Before(t.Expires) {
		return t, store.Application{}, &pageError{Status: http.StatusBadRequest, Title: "Start again",
			Message: "This link has expired or was already used. Go back to the application and start again.", Cause: err}
	}
	app, err := p.d.Store.Application(r.Context(), t.AppID)
	return t, app, err
}

func (p *Portal) enableContinue(w http.ResponseWriter, r *http.Request) error {
	t, app, err := p.enableTicket(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Protect your account", "App": app, "Account": t.Account, "ReturnTo": t.ReturnTo,
		"Mail": p.d.Mail}
	s, err := p.session(r)
	switch {
	case err == nil:
		data["Member"] = s.member
		if s.member.TenantID != app.TenantID {
			data["WrongTenant"] = true
		}
	case !errors.Is(err, errNoSession):
		return err
	default:
		data["Member"] = nil
		if strings.Contains(t.Account, "@") {
			data["SuggestedEmail"] = t.Account
		}
	}
	if t.ReturnTo != "" {
		// Linking redirects to the application; a browser applies the
		// form's page's form-action to that redirect too.
		if u, err := url.Parse(t.ReturnTo); err == nil {
			w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'",
				"form-action 'self' "+u.Scheme+"://"+u.Host, 1))
		}
	}
	p.render(w, r, http.StatusOK, "enable", data)
	return nil
}

func (p *Portal) enableRegisterBegin(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	req, err := readCeremony(r)
	if err != nil {
		return err
	}
	_, app, err := p.enableTicket(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// The member as admin will create them once the passkey is made.
	draft, err := admin.NewMember{TenantID: app.TenantID, Email: req.Email, Name: req.Person, SelfRegistered: true}.Record(p.now())
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Check your email", Message: "That is not an email address.", Cause: err}
	}
	// Registering must not add a passkey to someone else's membership:
	// an existing member signs in instead.
	if _, err := p.d.Store.MemberByEmail(ctx, app.TenantID, draft.Email); err == nil {
		return &pageError{Status: http.StatusConflict, Title: "Sign in instead",
			Message: "Someone with this email already uses deadbolt. Sign in with your passkey instead."}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	options, state, err := p.passkeys.BeginRegistration(ctx, draft)
	if err != nil {
		return err
	}
	return p.beginCeremony(w, ceremony{Purpose: "enable", State: state, Draft: &draft}, options)
}

func (p *Portal) enableRegisterFinish(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	req, c, err := p.finishCeremony(w, r, "enable")
	if err != nil {
		return err
	}
	t, app, err := p.enableTicket(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	draft := *c.Draft
	pk, err := p.passkeys.FinishRegistration(ctx, draft, c.State, req.Credential, req.Name)
	if err != nil {
		return rejected(err)
	}
	return p.finishSignIn(w, r, c, "enablement registration", "/enable/continue", func(tx store.Tx, now time.Time) (store.Member, error) {
		// The registrant's email is their own claim: not verified.
		m, err := admin.CreateMemberTx(ctx, tx, "member:"+draft.Email, admin.NewMember{ID: draft.ID, TenantID: draft.TenantID,
			Email: draft.Email, Name: draft.Name, SelfRegistered: true}, now)
		if errors.Is(err, store.ErrConflict) {
			return m, &pageError{Status: http.StatusConflict, Title: "Sign in instead",
				Message: "Someone with this email already uses deadbolt. Sign in with your passkey instead.", Cause: err}
		}
		if err != nil {
			return m, err
		}
		if err := p.addPasskeyTx(r, tx, m, pk); err != nil {
			return m, err
		}
		// The email is the registrant's claim: it gets a link to prove
		// it, and until then nothing is given to m by email.
		_, err = p.sendVerificationTx(ctx, tx, m, app.Name, t.Account, now)
		return m, err
	})
}

func (p *Portal) enableLink(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	t, app, err := p.enableTicket(r)
	if err != nil {
		return err
	}
	if s.member.TenantID != app.TenantID {
		return &pageError{Status: http.StatusForbidden, Title: "Wrong organisation",
			Message: "You are signed in to another organisation than the application's. Sign out, then sign in or register again."}
	}
	ctx := r.Context()
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		_, _, err := access.LinkTx(ctx, tx, s.actor(), app, t.Account, s.member, p.now())
		return err
	})
	if errors.Is(err, access.ErrOwnedByAnother) {
		return &pageError{Status: http.StatusConflict, Title: "Already protected by someone else",
			Message: "This account is already protected for another person, so nothing was changed. If that is wrong, ask your administrator.", Cause: err}
	}
	if err != nil {
		return err
	}
	p.clearCookie(w, enableCookie)
	p.d.Broker.Publish(s.member.ID)
	if t.ReturnTo != "" {
		return seeOther(w, r, t.ReturnTo)
	}
	p.render(w, r, http.StatusOK, "done", map[string]any{"Title": "Account protected", "Member": s.member,
		"App": app, "Account": t.Account})
	return nil
}

// EnableAPI serves POST /nl3/api/v1/sdk/enableUser: an application's
// server links one of its accounts (the token's subject), optionally to
// the member with the email in the body (created if the tenant has none),
// and receives {"nl3UserToken": ...}, an opaque reference to the protected
// account. Tokens are the application's lock-check tokens and work once.
// A member whose email is not verified is refused (409 member_unverified):
// nothing is given to them by email.
type EnableAPI struct {
	Store store.Updater
	Clock clock.Clock
	Check *check.Service
	Log   *slog.Logger
}

// EnableBody is the optional body of enableUser.
type EnableBody struct {
	Email string `json:"email"`
}

// ServeHTTP implements http.Handler.
func (e *EnableAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httpx.Wrap(e.Log, e.serve).ServeHTTP(w, r)
}

func (e *EnableAPI) serve(w http.ResponseWriter, r *http.Request) error {
	raw := httpx.AuthToken(r)
	var body EnableBody
	if err := httpx.DecodeJSON(r, 64<<10, &body); err != nil {
		return err
	}
	ctx := r.Context()
	app, claims, err := verifyEnableToken(ctx, e.Store, e.Check, e.Clock, raw)
	if err != nil {
		return err // its page's cause, answered through httpx.ErrorOf
	}
	var acct store.Account
	err = e.Store.Update(ctx, func(tx store.Tx) error {
		now := e.Clock.Now()
		actor := "app:" + app.Issuer
		if body.Email == "" {
			a, err := tx.Account(ctx, app.ID, claims.Subject)
			if errors.Is(err, store.ErrNotFound) {
				a, err = access.EnrollTx(ctx, tx, actor, app, claims.Subject, "", now)
			}
			acct = a
			return err
		}
		m, err := access.MemberForEmail(ctx, tx, actor, app.TenantID, body.Email, now)
		if err != nil {
			return err
		}
		acct, _, err = access.LinkTx(ctx, tx, actor, app, claims.Subject, m, now)
		return err
	})
	if err != nil {
		return err // owned_by_another, member_unverified, invalid, store_unavailable, ...: httpx.ErrorOf
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"nl3UserToken": UserToken(acct.ID), "status": "enabled", "account": acct.Name})
	return nil
}

// UserToken is the opaque nl3UserToken of a protected account
// (check.UserToken).
func UserToken(accountID string) string { return check.UserToken(accountID) }
