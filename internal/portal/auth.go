package portal

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// maxCeremonyBody bounds what the ceremony endpoints read.
const maxCeremonyBody = 64 << 10

// ceremonyRequest is what the script posts to a /finish endpoint (and, with
// other fields, to a /begin endpoint).
type ceremonyRequest struct {
	Credential json.RawMessage `json:"credential"`
	Name       string          `json:"name"`
	Token      string          `json:"token"`
	Email      string          `json:"email"`
	Person     string          `json:"person"` // a new member's name
}

func readCeremony(r *http.Request) (ceremonyRequest, error) {
	var c ceremonyRequest
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxCeremonyBody))
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &c)
	}
	if err != nil {
		return c, &pageError{Status: http.StatusBadRequest, Title: "Something went wrong", Message: "deadbolt could not read what your browser sent. Reload the page and try again.", Cause: err}
	}
	return c, nil
}

// rejected is what a failed passkey step shows; the cause is only logged.
func rejected(err error) error {
	if errors.Is(err, passkey.ErrThrottled) {
		return errThrottled
	}
	if errors.Is(err, passkey.ErrRejected) {
		return &pageError{Status: http.StatusUnauthorized, Title: "Passkey not accepted",
			Message: "That passkey could not be verified. Try again, or use another passkey.", Cause: err}
	}
	return err
}

// useChallenge records the ceremony's challenge as used inside tx, so a
// sealed ceremony cookie cannot finish twice.
func (p *Portal) useChallenge(r *http.Request, tx store.PortalTx, c ceremony) error {
	ch, err := passkey.Challenge(c.State)
	if err != nil {
		return rejected(err)
	}
	ok, err := tx.UseNonce(r.Context(), "webauthn:"+ch, c.Expires, p.now())
	if err != nil {
		return err
	}
	if !ok {
		return &pageError{Status: http.StatusBadRequest, Title: "Start again", Message: "This passkey step was already used. Start again."}
	}
	return nil
}

func (p *Portal) signinPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.session(r); err == nil {
		return seeOther(w, r, "/")
	}
	p.render(w, r, http.StatusOK, "signin", map[string]any{"Title": "Sign in"})
	return nil
}

func (p *Portal) signinBegin(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	options, state, err := p.passkeys.BeginLogin()
	if err != nil {
		return err
	}
	return p.beginCeremony(w, ceremony{Purpose: "signin", State: state}, options)
}

func (p *Portal) signinFinish(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	req, c, err := p.finishCeremony(w, r, "signin")
	if err != nil {
		return err
	}
	login, err := p.passkeys.FinishLogin(r.Context(), c.State, req.Credential, p.limits.memberHasAttempts)
	if err != nil {
		if login.Member.ID != "" && errors.Is(err, passkey.ErrRejected) {
			p.limits.member.Allow(login.Member.ID)
		}
		return rejected(err)
	}
	return p.finishSignIn(w, r, c, "passkey "+login.Passkey.Name, "", func(tx store.Tx, _ time.Time) (store.Member, error) {
		return login.Member, tx.UpdatePasskey(r.Context(), login.Passkey)
	})
}

// afterSignIn is where a fresh sign-in goes: back to an enablement or an
// email confirmation in progress, or home.
func (p *Portal) afterSignIn(r *http.Request) string {
	if p.cookie(r, enableCookie) != "" {
		return "/enable/continue"
	}
	if p.cookie(r, verifyCookie) != "" {
		return "/verify-email"
	}
	return "/"
}

func (p *Portal) signout(w http.ResponseWriter, r *http.Request) error {
	if secret := p.cookie(r, sessionCookie); secret != "" {
		ctx := r.Context()
		s, err := p.session(r)
		err = p.d.Store.Update(ctx, func(tx store.Tx) error {
			if err == nil {
				if err := store.AppendAudit(ctx, tx, s.member.TenantID, s.actor(), "portal.signout", "member:"+s.member.ID, nil, p.now()); err != nil {
					return err
				}
			}
			return tx.DeleteSession(ctx, ids.SecretHash(secret))
		})
		if err != nil {
			return err
		}
	}
	p.clearCookie(w, sessionCookie)
	return seeOther(w, r, "/signin?out=1")
}

// invite finds the open invite a setup link's secret names.
func (p *Portal) invite(r *http.Request, secret string) (store.Invite, store.Member, error) {
	bad := &pageError{Status: http.StatusNotFound, Title: "This link does not work",
		Message: "The setup link is incomplete, was already used, or has expired. Ask the person who sent it to you for a new one."}
	if secret == "" {
		return store.Invite{}, store.Member{}, bad
	}
	inv, err := p.d.Store.Invite(r.Context(), ids.SecretHash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return store.Invite{}, store.Member{}, bad
	}
	if err != nil {
		return store.Invite{}, store.Member{}, err
	}
	if !inv.UsedAt.IsZero() || !p.now().Before(inv.ExpiresAt) {
		return store.Invite{}, store.Member{}, bad
	}
	m, err := p.d.Store.Member(r.Context(), inv.MemberID)
	return inv, m, err
}

func (p *Portal) setupPage(w http.ResponseWriter, r *http.Request) error {
	secret := r.URL.Query().Get("t")
	_, m, err := p.invite(r, secret)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "setup", map[string]any{"Title": "Create your passkey", "Invited": m, "Token": secret,
		"Member": nil})
	return nil
}

func (p *Portal) setupBegin(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	req, err := readCeremony(r)
	if err != nil {
		return err
	}
	inv, m, err := p.invite(r, req.Token)
	if err != nil {
		return err
	}
	options, state, err := p.passkeys.BeginRegistration(r.Context(), m)
	if err != nil {
		return err
	}
	return p.beginCeremony(w, ceremony{Purpose: "setup", State: state, MemberID: m.ID, InviteID: inv.ID}, options)
}

func (p *Portal) setupFinish(w http.ResponseWriter, r *http.Request) error {
	if err := p.limitIP(r); err != nil {
		return err
	}
	req, c, err := p.finishCeremony(w, r, "setup")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := p.d.Store.Member(ctx, c.MemberID)
	if err != nil {
		return err
	}
	pk, err := p.passkeys.FinishRegistration(ctx, m, c.State, req.Credential, req.Name)
	if err != nil {
		return rejected(err)
	}
	return p.finishSignIn(w, r, c, "setup link", "", func(tx store.Tx, now time.Time) (store.Member, error) {
		ok, err := tx.UseInvite(ctx, c.InviteID, now)
		if err != nil {
			return m, err
		}
		if !ok {
			return m, &pageError{Status: http.StatusGone, Title: "This link does not work",
				Message: "The setup link was already used or has expired. Ask the person who sent it to you for a new one."}
		}
		// Any other link for the member was issued when they had no
		// passkey (or fewer): it must not add a second person's passkey
		// later, unannounced.
		if _, err := tx.DeleteMemberInvites(ctx, m.ID, c.InviteID); err != nil {
			return m, err
		}
		return m, p.addPasskeyTx(r, tx, m, pk)
	})
}

// addPasskeyTx stores a new passkey with its audit event.
func (p *Portal) addPasskeyTx(r *http.Request, tx store.PortalTx, m store.Member, pk store.Passkey) error {
	if err := tx.CreatePasskey(r.Context(), pk); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &pageError{Status: http.StatusConflict, Title: "Already registered",
				Message: "This passkey is registered already.", Cause: err}
		}
		return err
	}
	return store.AppendAudit(r.Context(), tx, m.TenantID, "member:"+m.Email, "passkey.added", "member:"+m.ID,
		map[string]any{"passkey": pk.ID, "name": pk.Name}, p.now())
}

func (p *Portal) passkeysPage(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	keys, err := p.d.Store.Passkeys(r.Context(), s.member.ID)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "passkeys", map[string]any{"Title": "Your passkeys", "Member": s.member,
		"Passkeys": keys, "Notice": notice(r)})
	return nil
}

func (p *Portal) passkeyAddBegin(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	options, state, err := p.passkeys.BeginRegistration(r.Context(), s.member)
	if err != nil {
		return err
	}
	return p.beginCeremony(w, ceremony{Purpose: "add", State: state, MemberID: s.member.ID}, options)
}

func (p *Portal) passkeyAddFinish(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	req, c, err := p.finishCeremony(w, r, "add")
	if err != nil {
		return err
	}
	if c.MemberID != s.member.ID {
		return &pageError{Status: http.StatusBadRequest, Title: "Start again", Message: "This passkey step belongs to another sign-in, perhaps in another tab. Reload the page and start again."}
	}
	pk, err := p.passkeys.FinishRegistration(r.Context(), s.member, c.State, req.Credential, req.Name)
	if err != nil {
		return rejected(err)
	}
	err = p.d.Store.Update(r.Context(), func(tx store.Tx) error {
		if err := p.useChallenge(r, tx, c); err != nil {
			return err
		}
		return p.addPasskeyTx(r, tx, s.member, pk)
	})
	if err != nil {
		return err
	}
	p.d.Broker.Publish(s.member.ID)
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/passkeys?done=added"})
	return nil
}

func (p *Portal) passkeyDelete(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		pk, err := tx.Passkey(ctx, id)
		if err != nil {
			return err
		}
		if pk.MemberID != s.member.ID {
			return store.ErrNotFound
		}
		if err := tx.DeletePasskey(ctx, id); err != nil {
			if errors.Is(err, store.ErrInvalid) {
				return &pageError{Status: http.StatusConflict, Title: "Keep one passkey",
					Message: "This is your only passkey. Add another before you remove it, or you could not sign in again.", Cause: err}
			}
			return err
		}
		// Sessions do not record which passkey made them, so every other
		// session of the member ends: one that a lost or stolen passkey
		// made does not outlive it. This browser stays signed in.
		ended, err := tx.DeleteMemberSessions(ctx, s.member.ID, s.sess.ID)
		if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, s.member.TenantID, s.actor(), "passkey.removed", "member:"+s.member.ID,
			map[string]any{"passkey": id, "name": pk.Name, "sessions_ended": ended}, p.now())
	})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/passkeys?done=removed")
}

// notices are the one-line confirmations shown after a redirect
// (?done=CODE); only known codes are shown, so a link cannot put text on
// the page.
var notices = map[string]string{
	// groups and policies (groups.go, policies.go)
	"group-created":        "Group created. Add its members below.",
	"group-deleted":        "Group deleted, with its memberships and the policy assignments to it.",
	"group-member-added":   "Member added. The group's policies apply to their accounts from the next check.",
	"group-member-removed": "Member removed from the group.",
	// approval templates (approvaltemplates.go)
	"template-created":  "Template created. Applications can name its key in approvalRequest now.",
	"template-deleted":  "Template deleted. Requests already made from it go on as they were.",
	"policy-created":    "Policy created. It applies to nothing until you assign it below.",
	"policy-saved":      "Policy saved. It is in force from the next check.",
	"policy-enabled":    "Policy enabled. It is in force from the next check.",
	"policy-disabled":   "Policy disabled. It decides nothing until enabled again.",
	"policy-deleted":    "Policy deleted, with its assignments.",
	"policy-assigned":   "Assigned. The policy applies from the next check.",
	"policy-unassigned": "Assignment removed.",

	// the break-glass page (breakglass.go)
	"breakglass-marked":   "Marked break-glass. Its owner and admins can open it at once, with a reason; every admin is alerted when they do.",
	"breakglass-unmarked": "Mark removed. Opening the account needs the usual approvals again.",

	"added":           "Passkey added.",
	"removed":         "Passkey removed.",
	"locked":          "Locked.",
	"unlocked":        "Unlocked.",
	"once":            "Unlocked for the next sign-in only.",
	"everything":      "Everything is locked. Nothing opens until you lift it.",
	"lifted":          "Lock everything is lifted. Accounts stay locked until you open them.",
	"approved":        "Approved. The account is open; the person can sign in now.",
	"denied":          "Denied. The account stays locked.",
	"linked":          "Account linked.",
	"saved":           "Saved.",
	"voted":           "Your vote was recorded.",
	"verified":        "Your email address is confirmed.",
	"verify-sent":     "We sent a confirmation link to your email address. It works once, for 24 hours, in a browser where you are signed in.",
	"verify-wait":     "A confirmation link was sent a few minutes ago. Check your mail (and its spam folder), or try again in ten minutes.",
	"push":            "Push notifications are on for this browser.",
	"break-glass":     "Opened by break-glass. Every admin has been alerted, and the audit marks it.",
	"access-asked":    "Access asked. Your approvers decide it; the account opens when they approve (or at the start time you gave, if later).",
	"extend-asked":    "Extension asked. Your approvers decide it; the account stays open meanwhile until its current end.",
	"grant-revoked":   "Grant revoked. The account is locked, and push receivers are told.",
	"no-grant":        "The account had no open grant. Nothing was changed.",
	"slack":           "Slack asked: press \"Confirm: this is me\" in the direct message deadbolt sent you in Slack; the link works once you do.",
	"slack-unlinked":  "Slack is unlinked. Messages already in Slack vote nothing any more.",
	"revoked":         "Key revoked. Tokens signed with it are refused from now on.",
	"deleted":         "Webhook deleted. Its undelivered events will not be sent.",
	"client-deleted":  "OpenID client deleted. Its sign-ins in flight end.",
	"token-revoked":   "API token revoked. It is refused from now on.",
	"enrolled":        "Account enrolled. It starts locked.",
	"lockdown":        "The application is locked down: every account is locked, and no unlock opens one until you lift it.",
	"lifted-lockdown": "Lock-down lifted. Accounts are as their owners left them.",
	"disabled":        "The application is off: every lock check is refused.",
	"enabled":         "The application answers lock checks again.",
}

func notice(r *http.Request) string {
	return notices[strings.TrimSpace(r.URL.Query().Get("done"))]
}
