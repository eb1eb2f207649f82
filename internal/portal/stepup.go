package portal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/oidc"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// StepUp is the OpenID provider's side of the step-up page (package oidc):
// the request in flight, and what the page records in it.
type StepUp interface {
	Step(ctx context.Context, id string) (oidc.Step, error)
	BeginCeremony(ctx context.Context, id string, state []byte) error
	TakeCeremony(ctx context.Context, id string) ([]byte, error)
	Passed(ctx context.Context, id string, m store.Member, account string, unlocked bool) (string, error)
	Unlocked(ctx context.Context, id, secret string) error
	CallbackURL(id, secret string) string
	PromptNoneURL(id string) string
}

// The step-up page is shown by relying parties, often in a frame: it
// reads no cookie (third-party frames may get none) and keeps its passkey
// state in the request in flight, which its ID in the URL names.

var errStepGone = &pageError{Status: http.StatusNotFound, Title: "This sign-in request has ended",
	Message: "It was completed, it expired, or the application withdrew it. Go back to the application and start again."}

func (p *Portal) step(r *http.Request) (oidc.Step, error) {
	if p.d.StepUp == nil {
		return oidc.Step{}, errStepGone
	}
	s, err := p.d.StepUp.Step(r.Context(), r.URL.Query().Get("id"))
	if errors.Is(err, oidc.ErrStepUnknown) {
		return s, errStepGone
	}
	return s, err
}

// stepHeaders lets the client's registered frame origins, and only
// those, show this answer in a frame, and lets its form lead (through the
// callback's redirect) to the client's redirect URIs.
func stepHeaders(w http.ResponseWriter, c store.OIDCClient) {
	policy := csp
	targets := []string{"'self'"}
	for _, raw := range c.RedirectURIs {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			targets = append(targets, u.Scheme+"://"+u.Host)
		}
	}
	policy = strings.Replace(policy, "form-action 'self'", "form-action "+strings.Join(targets, " "), 1)
	h := w.Header()
	if len(c.FrameOrigins) > 0 {
		h.Del("X-Frame-Options")
		policy = strings.Replace(policy, "frame-ancestors 'none'", "frame-ancestors "+strings.Join(c.FrameOrigins, " "), 1)
	}
	h.Set("Content-Security-Policy", policy)
}

func (p *Portal) stepPage(w http.ResponseWriter, r *http.Request) error {
	s, err := p.step(r)
	if err != nil {
		return err
	}
	if s.PromptNone {
		http.Redirect(w, r, p.d.StepUp.PromptNoneURL(s.ID), http.StatusSeeOther)
		return nil
	}
	stepHeaders(w, s.Client)
	p.render(w, r, http.StatusOK, "stepup", map[string]any{"Title": "Confirm it is you", "Step": s,
		"Unlocked": s.ACR == oidc.ACRPasskeyUnlocked, "Member": nil})
	return nil
}

func (p *Portal) stepBegin(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	s, err := p.step(r)
	if err != nil {
		return err
	}
	options, state, err := p.passkeys.BeginStepUp()
	if err != nil {
		return err
	}
	if err := p.d.StepUp.BeginCeremony(r.Context(), s.ID, state); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, json.RawMessage(options))
	return nil
}

var errStepOtherTenant = &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Not for this application",
	Message: "That passkey belongs to someone this application does not know. Use your passkey for this organisation."}

var errStepOtherPerson = &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Someone else's sign-in",
	Message: "The application asked for another person. Sign in to the application as yourself and start again."}

// stepFinish is not limited per address as stepBegin is: each finish
// takes the prompt one begin made.
func (p *Portal) stepFinish(w http.ResponseWriter, r *http.Request) error {
	req, err := readCeremony(r)
	if err != nil {
		return err
	}
	s, err := p.step(r)
	if err != nil {
		return err
	}
	state, err := p.d.StepUp.TakeCeremony(r.Context(), s.ID)
	if errors.Is(err, oidc.ErrStepUnknown) {
		return errStepGone
	}
	if err != nil {
		return err
	}
	if state == nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Start again",
			Message: "This passkey step took too long or was already used. Start again."}
	}
	login, err := p.passkeys.FinishLogin(r.Context(), state, req.Credential, p.limits.memberHasAttempts)
	if err != nil {
		if login.Member.ID != "" && errors.Is(err, passkey.ErrRejected) {
			p.limits.member.Allow(login.Member.ID)
		}
		return rejected(err)
	}
	if login.Member.TenantID != s.TenantID {
		return errStepOtherTenant
	}
	account, unlocked, err := p.stepAccount(r.Context(), s, login.Member)
	if err != nil {
		return err
	}
	// The state lives at most five minutes from its begin: remembering
	// its challenge that long from now outlasts it.
	c := ceremony{Purpose: "stepup", State: state, Expires: p.now().Add(5 * time.Minute)}
	err = p.d.Store.Update(r.Context(), func(tx store.Tx) error {
		if err := p.useChallenge(r, tx, c); err != nil {
			return err
		}
		return tx.UpdatePasskey(r.Context(), login.Passkey)
	})
	if err != nil {
		return err
	}
	secret, err := p.d.StepUp.Passed(r.Context(), s.ID, login.Member, account, unlocked)
	if errors.Is(err, oidc.ErrStepUnknown) {
		return errStepGone
	}
	if err != nil {
		return err
	}
	next := p.d.StepUp.CallbackURL(s.ID, secret)
	if s.ACR == oidc.ACRPasskeyUnlocked && !unlocked {
		next = "/stepup/locked?id=" + s.ID + "&k=" + secret
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
	return nil
}

// stepAccount checks that m is whom the request names (login_hint: their
// email, or their account at the client's application) and, for acr
// passkey+unlocked, finds their account at the client's application and
// whether it is open now.
func (p *Portal) stepAccount(ctx context.Context, s oidc.Step, m store.Member) (string, bool, error) {
	hint := strings.TrimSpace(s.LoginHint)
	var app store.Application
	if s.Client.AppID != "" {
		var err error
		if app, err = p.d.Store.Application(ctx, s.Client.AppID); err != nil {
			return "", false, err
		}
	}
	var account store.Account
	switch {
	case hint != "" && strings.EqualFold(hint, m.Email):
	case hint != "" && app.ID != "":
		a, err := p.d.Store.Account(ctx, app.ID, hint)
		if errors.Is(err, store.ErrNotFound) || (err == nil && a.OwnerID != m.ID) {
			return "", false, errStepOtherPerson
		}
		if err != nil {
			return "", false, err
		}
		account = a
	case hint != "":
		return "", false, errStepOtherPerson
	}
	if s.ACR != oidc.ACRPasskeyUnlocked {
		return account.Name, false, nil
	}
	if app.ID == "" {
		return "", false, &pageError{Status: http.StatusBadRequest, Title: "Not set up for this",
			Message: "The application asked whether your account is unlocked, but its deadbolt client names no application. Tell its administrators."}
	}
	if account.ID == "" {
		owned, err := p.d.Store.AccountsOfOwner(ctx, m.ID, 1000)
		if err != nil {
			return "", false, err
		}
		var at []store.Account
		for _, a := range owned {
			if a.AppID == app.ID {
				at = append(at, a)
			}
		}
		if len(at) != 1 {
			return "", false, &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Which account?",
				Message: "deadbolt cannot tell which of your accounts at " + app.Name + " this is. Sign in to the application again."}
		}
		account = at[0]
	}
	v, ok, err := p.viewAccount(ctx, app, account, p.now())
	if err != nil {
		return "", false, err
	}
	return account.Name, ok && !v.Locked, nil
}

// stepLockedPage offers to open the locked account in the same step.
func (p *Portal) stepLockedPage(w http.ResponseWriter, r *http.Request) error {
	s, app, v, err := p.lockedStep(r, r.URL.Query().Get("k"))
	if err != nil {
		return err
	}
	stepHeaders(w, s.Client)
	p.render(w, r, http.StatusOK, "stepuplocked", map[string]any{"Title": "Your account is locked", "Step": s,
		"App": app, "View": v, "Secret": r.URL.Query().Get("k"), "Member": nil})
	return nil
}

// lockedStep is the step waiting for its account, checked against the
// step's secret.
func (p *Portal) lockedStep(r *http.Request, secret string) (oidc.Step, store.Application, accountView, error) {
	s, err := p.step(r)
	if err != nil {
		return s, store.Application{}, accountView{}, err
	}
	if !s.Secret(secret) || s.MemberID == "" || s.Account == "" {
		return s, store.Application{}, accountView{}, errStepGone
	}
	app, err := p.d.Store.Application(r.Context(), s.Client.AppID)
	if err != nil {
		return s, app, accountView{}, err
	}
	a, err := p.d.Store.Account(r.Context(), app.ID, s.Account)
	if err != nil {
		return s, app, accountView{}, err
	}
	v, _, err := p.viewAccount(r.Context(), app, a, p.now())
	return s, app, v, err
}

// stepUnlock opens the account as its owner would on their accounts page
// (the request's ID and secret stand for the session the frame may not
// have), then completes the step if it is open.
func (p *Portal) stepUnlock(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("id", r.FormValue("id"))
	r.URL.RawQuery = q.Encode()
	secret := r.FormValue("k")
	s, app, v, err := p.lockedStep(r, secret)
	if err != nil {
		return err
	}
	if v.Locked {
		if v.Hard {
			return &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Cannot be unlocked here",
				Message: "This account is hard-locked (" + v.Detail + "). It cannot be opened from here."}
		}
		m, err := p.d.Store.Member(r.Context(), s.MemberID)
		if err != nil {
			return err
		}
		if _, err := p.d.Access.Unlock(r.Context(), "member:"+m.Email, app, s.Account,
			access.Unlock{For: app.DefaultUnlock, Reason: "step-up for " + s.Client.Name}); err != nil {
			return err
		}
		if _, _, v, err = p.lockedStep(r, secret); err != nil {
			return err
		}
		if v.Locked {
			return &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Still locked",
				Message: "The account is still locked: a policy keeps it closed now."}
		}
	}
	if err := p.d.StepUp.Unlocked(r.Context(), s.ID, secret); err != nil {
		if errors.Is(err, oidc.ErrStepUnknown) {
			return errStepGone
		}
		return err
	}
	http.Redirect(w, r, p.d.StepUp.CallbackURL(s.ID, secret), http.StatusSeeOther)
	return nil
}
