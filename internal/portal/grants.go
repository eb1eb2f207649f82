package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// accountExtend asks, for the signed-in owner, to extend their account's
// open grant: a request of kind extend that goes through the same
// approvals as any other (approval.Service.Extend).
func (p *Portal) accountExtend(w http.ResponseWriter, r *http.Request) error {
	s, a, app, ok, err := p.askingOwner(w, r)
	if !ok {
		return err
	}
	d, err := parseDuration("", r.FormValue("for"))
	if err != nil {
		return withBack(err, "/")
	}
	if d <= 0 {
		return &pageError{Status: http.StatusBadRequest, Title: "Say how much longer",
			Message: "Give the extension's length, like 30 min or 1 h. Nothing was asked.", Back: "/"}
	}
	if _, err := p.d.Approvals.Extend(r.Context(), s.actor(), s.member, app, a.Name,
		approval.Ask{Reason: strings.TrimSpace(r.FormValue("reason")), For: d}); err != nil {
		return withBack(err, "/")
	}
	p.done(w, r, s, "extend-asked")
	return nil
}

// grantRevoke closes an account's open grant at once, for an admin of its
// tenant or one of its approvers (approval.Service.Revoke decides who);
// push receivers hear account.locked through the outbox.
func (p *Portal) grantRevoke(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Approvals == nil {
		return errNoApprovals
	}
	ctx := r.Context()
	a, err := p.d.Store.AccountByID(ctx, r.PathValue("account"))
	if err == nil && a.TenantID != s.member.TenantID {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	app, err := p.d.Store.Application(ctx, a.AppID)
	if err != nil {
		return err
	}
	// Admins revoke from the application's accounts page, and come back
	// there, unless the form came from the approvals page.
	toAccounts := (s.member.Role == store.RoleOwner || s.member.Role == store.RoleAdmin) && r.FormValue("from") != "approvals"
	back := "/approvals"
	if toAccounts {
		back = accountsURL(app.ID, strings.TrimSpace(r.FormValue("q")), r.FormValue("after"), "")
	}
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		reason = "revoked in the portal"
	}
	revoked, err := p.d.Approvals.Revoke(ctx, s.actor(), s.member, app, a.Name, reason)
	if err != nil {
		return withBack(err, back)
	}
	if a.OwnerID != "" {
		p.d.Broker.Publish(a.OwnerID)
	}
	done := "grant-revoked"
	if !revoked {
		done = "no-grant"
	}
	if toAccounts {
		return seeOther(w, r, accountsURL(app.ID, strings.TrimSpace(r.FormValue("q")), r.FormValue("after"), done))
	}
	return seeOther(w, r, "/approvals?done="+done)
}

// accountBreakGlass opens the signed-in owner's account, marked
// break-glass, without approvals: a reason is required and the length is
// capped by the mark (breakglass.Service.Unlock, which also alerts every
// admin at once and audits account.break_glass).
func (p *Portal) accountBreakGlass(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.BreakGlass == nil {
		return withBack(errNoBreakGlass, "/")
	}
	a, app, err := p.ownAccount(r, s)
	if err != nil {
		return err
	}
	d, err := parseDuration("", r.FormValue("for"))
	if err != nil {
		return withBack(err, "/")
	}
	by := breakglass.By{Actor: s.actor(), MemberID: s.member.ID, Role: s.member.Role}
	if _, err := p.d.BreakGlass.Unlock(r.Context(), by, app, a.Name, r.FormValue("reason"), d); err != nil {
		return withBack(err, "/")
	}
	p.done(w, r, s, "break-glass")
	return nil
}

// askingOwner is the signed-in member and their account of the path, for
// a route that asks its approvers; ok is false when the route answers
// err instead (not signed in, approvals off, not their account).
func (p *Portal) askingOwner(w http.ResponseWriter, r *http.Request) (signedIn, store.Account, store.Application, bool, error) {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return s, store.Account{}, store.Application{}, false, err
	}
	if p.d.Approvals == nil {
		return s, store.Account{}, store.Application{}, false, errNoApprovals
	}
	a, app, err := p.ownAccount(r, s)
	return s, a, app, err == nil, err
}

// askStartLayout is the start time the ask form's datetime-local field
// sends, read in UTC.
const askStartLayout = "2006-01-02T15:04"

// accountAsk asks, for the signed-in owner, ahead of time for an unlock
// of their account that an approval policy governs: a reason, a length
// and an optional start (UTC). approval.Service.Create decides, as for
// the CLI and the API.
func (p *Portal) accountAsk(w http.ResponseWriter, r *http.Request) error {
	s, a, app, ok, err := p.askingOwner(w, r)
	if !ok {
		return err
	}
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		return &pageError{Status: http.StatusBadRequest, Title: "Say why",
			Message: "Give a reason for your approvers. Nothing was asked.", Back: "/"}
	}
	d, err := parseDuration("", r.FormValue("for"))
	if err != nil {
		return withBack(err, "/")
	}
	var start time.Time
	if v := strings.TrimSpace(r.FormValue("start")); v != "" {
		if start, err = time.ParseInLocation(askStartLayout, v, time.UTC); err != nil {
			return &pageError{Status: http.StatusBadRequest, Title: "Start time not understood",
				Message: fmt.Sprintf("%q is not a start time: give it as 2026-12-01T09:30 (UTC), or leave it empty. Nothing was asked.", v), Back: "/"}
		}
	}
	_, err = p.d.Approvals.Create(r.Context(), s.actor(), s.member, app, a.Name, approval.Ask{Reason: reason, For: d, Start: start})
	switch {
	case errors.Is(err, approval.ErrNoApproval):
		return &pageError{Status: http.StatusBadRequest, Title: "No approvals here",
			Message: "No approval policy governs this account: unlock it yourself. Nothing was asked.", Back: "/"}
	case errors.Is(err, store.ErrInvalid):
		return &pageError{Status: http.StatusBadRequest, Title: "Not asked",
			Message: strings.TrimPrefix(store.Message(err), store.ErrInvalid.Error()+": ") + ". Nothing was asked.", Back: "/", Cause: err}
	case err != nil:
		return withBack(err, "/")
	}
	p.done(w, r, s, "access-asked")
	return nil
}
