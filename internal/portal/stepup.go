package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
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
	Refuse(ctx context.Context, id, reason string) error
	CallbackURL(id, secret string) string
	ReturnURL(id string) string
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
	if origins := frameAncestors(c.FrameOrigins); len(origins) > 0 {
		h.Del("X-Frame-Options")
		policy = strings.Replace(policy, "frame-ancestors 'none'", "frame-ancestors "+strings.Join(origins, " "), 1)
	}
	h.Set("Content-Security-Policy", policy)
}

// frameAncestors checks the stored frame origins again before they go
// into the policy (clients stored before origins were checked strictly
// may hold anything): each is normalized by oidc.FrameOrigin, and one it
// refuses is left out, so a bad one can only narrow who may frame.
func frameAncestors(stored []string) []string {
	var origins []string
	for _, raw := range stored {
		if o, err := oidc.FrameOrigin(raw); err == nil {
			origins = append(origins, o)
		}
	}
	return origins
}

func (p *Portal) stepPage(w http.ResponseWriter, r *http.Request) error {
	s, err := p.step(r)
	if err != nil {
		return err
	}
	if s.PromptNone {
		return seeOther(w, r, p.d.StepUp.ReturnURL(s.ID))
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

// stepFinish is limited per address, as stepBegin is (limits.stepFinish).
func (p *Portal) stepFinish(w http.ResponseWriter, r *http.Request) error {
	if err := limitAddr(p.limits.stepFinish, r); err != nil {
		return err
	}
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
	login, err := p.passkeys.FinishStepUp(r.Context(), state, req.Credential, frameAncestors(s.Client.FrameOrigins), p.limits.memberHasAttempts)
	if err != nil {
		if login.Member.ID != "" && errors.Is(err, passkey.ErrRejected) {
			p.limits.member.Allow(login.Member.ID)
		}
		return rejected(err)
	}
	if login.Member.TenantID != s.TenantID {
		return p.refuseStep(w, r, s, errStepOtherTenant)
	}
	account, unlocked, err := p.stepAccount(r.Context(), s, login.Member)
	if pe := (*pageError)(nil); errors.As(err, &pe) && pe.Status < 500 {
		return p.refuseStep(w, r, s, pe)
	}
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
	approval := access.OwnerMayDecide(r.Context(), p.d.Store, app, v.Account, p.now())
	if approval != nil && !errors.Is(approval, access.ErrApprovalRequired) {
		return approval
	}
	stepHeaders(w, s.Client)
	p.render(w, r, http.StatusOK, "stepuplocked", map[string]any{"Title": "Your account is locked", "Step": s,
		"App": app, "View": v, "Secret": r.URL.Query().Get("k"), "Approval": approval != nil && p.d.Approvals != nil, "Member": nil})
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
			return p.refuseStep(w, r, s, &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Cannot be unlocked here",
				Message: "This account is hard-locked (" + v.Detail + "). It cannot be opened from here."})
		}
		m, err := p.d.Store.Member(r.Context(), s.MemberID)
		if err != nil {
			return err
		}
		_, err = p.d.Access.Unlock(r.Context(), "member:"+m.Email, app, s.Account,
			access.Unlock{For: app.DefaultUnlock, Reason: "step-up for " + s.Client.Name})
		if errors.Is(err, access.ErrApprovalRequired) {
			return p.stepAskApprovers(w, r, s, secret, m, app, v.Account)
		}
		if err != nil {
			return err
		}
		if _, _, v, err = p.lockedStep(r, secret); err != nil {
			return err
		}
		if v.Locked {
			return p.refuseStep(w, r, s, errStillLocked)
		}
	}
	if err := p.d.StepUp.Unlocked(r.Context(), s.ID, secret); err != nil {
		if errors.Is(err, oidc.ErrStepUnknown) {
			return errStepGone
		}
		return err
	}
	return seeOther(w, r, p.d.StepUp.CallbackURL(s.ID, secret))
}

var errStillLocked = &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Still locked",
	Message: "The account is still locked: a policy keeps it closed now."}

// refuseStep ends the step for pe: the relying party gets access_denied
// (its error description is pe's message). A page is sent back to the
// relying party at once; the script's finish gets pe with where to go.
func (p *Portal) refuseStep(w http.ResponseWriter, r *http.Request, s oidc.Step, pe *pageError) error {
	if err := p.d.StepUp.Refuse(r.Context(), s.ID, pe.Message); err != nil {
		if errors.Is(err, oidc.ErrStepUnknown) {
			return errStepGone
		}
		return err
	}
	back := p.d.StepUp.ReturnURL(s.ID)
	if wantsJSON(r) {
		writeJSON(w, pe.Status, map[string]string{"error": pe.code(), "message": pe.Message, "redirect": back})
		return nil
	}
	return seeOther(w, r, back)
}

// stepCancel ends the step at the person's word: the relying party gets
// access_denied. Once the passkey was verified the step has a secret, and
// cancelling needs it (form field k), as unlocking, waiting and the
// callback do; before that the step's ID is all there is.
func (p *Portal) stepCancel(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	q := r.URL.Query()
	q.Set("id", r.FormValue("id"))
	r.URL.RawQuery = q.Encode()
	s, err := p.step(r)
	if err != nil {
		return err
	}
	if s.HasSecret() && !s.Secret(r.FormValue("k")) {
		return errStepGone
	}
	return p.refuseStep(w, r, s, &pageError{Status: http.StatusForbidden, Code: "forbidden", Title: "Cancelled",
		Message: "The person cancelled the step-up."})
}

// stepAskApprovers raises the unlock request an approval policy needs
// (or joins the one the account has: asked ahead, or with votes already),
// then sends the person to wait for the quorum.
func (p *Portal) stepAskApprovers(w http.ResponseWriter, r *http.Request, s oidc.Step, secret string, m store.Member,
	app store.Application, a store.Account) error {
	if p.d.Approvals == nil {
		return p.refuseStep(w, r, s, errStillLocked)
	}
	q, err := p.d.Store.PendingRequest(r.Context(), a.ID)
	join := err == nil && q.Open(p.now()) && q.Kind != store.RequestExtend
	if join && q.Kind != store.RequestAhead {
		it, err := p.d.Approvals.Show(r.Context(), s.TenantID, q.ID, m)
		if err != nil {
			return err
		}
		join = len(it.Votes) > 0 // a request without votes takes the step's terms
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !join {
		q, err = p.d.Approvals.Create(r.Context(), "member:"+m.Email, m, app, a.Name,
			approval.Ask{Reason: "step-up sign-in to " + s.Client.Name})
		if err != nil {
			return err
		}
	}
	return seeOther(w, r, stepWaitPath(s.ID, secret, q.ID))
}

func stepWaitPath(id, secret, request string) string {
	return "/stepup/wait?" + url.Values{"id": {id}, "k": {secret}, "r": {request}}.Encode()
}

// stepWait is where a step waits for the approvers of its account's
// unlock request.
type stepWait struct {
	Status    string `json:"status"` // a store.Request* status
	Approvals int    `json:"approvals"`
	Required  int    `json:"required"`
	Text      string `json:"text"`
	// Redirect is where the browser goes now: the code once the account
	// is open, or back to the relying party with access_denied.
	Redirect string `json:"redirect,omitempty"`
}

// waitStep reads the step's unlock request and acts on its decision:
// an open account completes the step; a denied, expired or otherwise
// closed request refuses it.
func (p *Portal) waitStep(w http.ResponseWriter, r *http.Request) (oidc.Step, stepWait, error) {
	secret := r.URL.Query().Get("k")
	s, _, v, err := p.lockedStep(r, secret)
	if err != nil {
		return s, stepWait{}, err
	}
	q, err := p.d.Store.UnlockRequest(r.Context(), r.URL.Query().Get("r"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (q.AccountID != v.Account.ID || q.TenantID != s.TenantID)) {
		return s, stepWait{}, errStepGone
	}
	if err != nil {
		return s, stepWait{}, err
	}
	now := p.now()
	st := stepWait{Status: q.Status}
	if p.d.Approvals != nil {
		m, err := p.d.Store.Member(r.Context(), s.MemberID)
		if err != nil {
			return s, st, err
		}
		it, err := p.d.Approvals.Show(r.Context(), s.TenantID, q.ID, m)
		if err != nil {
			return s, st, err
		}
		st.Approvals, st.Required = it.Approvals, it.Rule.Required
	}
	refuse := func(why string) (oidc.Step, stepWait, error) {
		if err := p.d.StepUp.Refuse(r.Context(), s.ID, why); err != nil {
			if errors.Is(err, oidc.ErrStepUnknown) {
				return s, st, errStepGone
			}
			return s, st, err
		}
		st.Text, st.Redirect = why, p.d.StepUp.ReturnURL(s.ID)
		return s, st, nil
	}
	switch {
	case !v.Locked:
		if err := p.d.StepUp.Unlocked(r.Context(), s.ID, secret); err != nil {
			if errors.Is(err, oidc.ErrStepUnknown) {
				return s, st, errStepGone
			}
			return s, st, err
		}
		st.Status, st.Text, st.Redirect = store.RequestApproved, "Approved. Continuing…", p.d.StepUp.CallbackURL(s.ID, secret)
	case q.Status == store.RequestDenied:
		return refuse("The approvers denied the unlock.")
	case q.Status == store.RequestExpired || (q.Status == store.RequestPending && !q.Open(now)):
		st.Status = store.RequestExpired
		return refuse("The unlock request expired before the approvers decided.")
	case q.Status != store.RequestPending:
		return refuse("The unlock request was decided, but the account is still locked.")
	default:
		st.Text = fmt.Sprintf("%d of %d approvals so far. The request stays open until %s UTC.",
			st.Approvals, st.Required, q.ExpiresAt.UTC().Format("15:04"))
	}
	return s, st, nil
}

// stepWaitPage shows the wait; its script polls stepWaitStatus.
func (p *Portal) stepWaitPage(w http.ResponseWriter, r *http.Request) error {
	s, st, err := p.waitStep(w, r)
	if err != nil {
		return err
	}
	if st.Redirect != "" {
		return seeOther(w, r, st.Redirect)
	}
	stepHeaders(w, s.Client)
	q := r.URL.Query()
	p.render(w, r, http.StatusOK, "stepupwait", map[string]any{"Title": "Waiting for approval", "Step": s, "Wait": st,
		"Poll":   "/stepup/wait/status?" + url.Values{"id": {s.ID}, "k": {q.Get("k")}, "r": {q.Get("r")}}.Encode(),
		"Secret": q.Get("k"), "Member": nil})
	return nil
}

// stepWaitStatus answers the wait page's script.
func (p *Portal) stepWaitStatus(w http.ResponseWriter, r *http.Request) error {
	_, st, err := p.waitStep(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
