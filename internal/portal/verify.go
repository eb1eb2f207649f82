package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// A member who registered through an enablement link named their own
// email, and nothing proved it is theirs. The portal mails a one-time link
// to that address; opened by the same member, signed in, it verifies the
// email, and from then on accounts, invites and imports that name the
// address may be given to them (admin.Bindable). The link alone is not
// enough: someone who only reads the mail cannot verify another person's
// registration, and someone who only has the registration cannot read the
// mail.

const (
	verifyOwner  = "portal:verify-email"
	verifyCookie = "deadbolt_verify" // the link's token while its reader signs in
	// VerifyTTL is how long a verification link works.
	VerifyTTL = 24 * time.Hour
	// verifyEvery is how often a member can have a link mailed: a
	// registration under someone else's address must not become a way to
	// flood that mailbox.
	verifyEvery = 10 * time.Minute
)

// verifyToken is what the sealed link carries.
type verifyToken struct {
	ID      string    `json:"id"` // its one-time key
	Member  string    `json:"member"`
	Email   string    `json:"email"`
	Expires time.Time `json:"expires"`
}

// verificationTx is the part of a transaction that sends a verification
// mail: a nonce limits how often, the outbox carries it.
type verificationTx interface {
	store.PortalTx
	store.OutboxTx
}

// sendVerificationTx writes, inside tx, the mail with a fresh link that
// verifies m's email, at most once every verifyEvery per member. It
// reports whether it wrote one. With no mail set up, or m verified, it
// writes nothing. app and account say what m registered for ("" for
// neither).
func (p *Portal) sendVerificationTx(ctx context.Context, tx verificationTx, m store.Member, appName, account string, now time.Time) (bool, error) {
	if !p.d.Mail || m.EmailVerified() {
		return false, nil
	}
	window := now.Truncate(verifyEvery)
	first, err := tx.UseNonce(ctx, fmt.Sprintf("verify-mail:%s:%d", m.ID, window.Unix()), window.Add(verifyEvery), now)
	if err != nil || !first {
		return false, err
	}
	t := verifyToken{ID: ids.New(), Member: m.ID, Email: m.Email, Expires: now.Add(VerifyTTL)}
	raw, err := json.Marshal(t)
	if err != nil {
		return false, err
	}
	sealed, err := p.d.Box.Seal(raw, verifyOwner)
	if err != nil {
		return false, err
	}
	link := p.base.String() + "/verify-email?t=" + base64.RawURLEncoding.EncodeToString(sealed)
	if err := notify.EnqueueVerification(ctx, tx, m, notify.Verification{Link: link, Application: appName, Account: account,
		Expires: t.Expires}, now); err != nil {
		return false, err
	}
	return true, store.AppendAudit(ctx, tx, m.TenantID, "member:"+m.Email, "member.email_verification_sent", "member:"+m.ID,
		map[string]any{"email": m.Email, "expires": t.Expires}, now)
}

// openVerifyToken opens a link's token; a token that is not one of ours,
// or has run out, is a page that says so.
func (p *Portal) openVerifyToken(raw string) (verifyToken, error) {
	var t verifyToken
	bad := &pageError{Status: http.StatusBadRequest, Title: "This link does not work",
		Message: "This confirmation link is not valid or has expired. Ask for a new one on the Notifications page. Nothing was changed."}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if raw == "" || err != nil {
		return t, bad
	}
	opened, err := p.d.Box.Open(sealed, verifyOwner)
	if err != nil || json.Unmarshal(opened, &t) != nil || t.ID == "" || !p.now().Before(t.Expires) {
		return t, bad
	}
	return t, nil
}

// verifyPage shows the confirmation of a link from the mail. It changes
// nothing (mail scanners open links): the signed-in member confirms with
// a button. A reader who is not signed in signs in first and comes back.
func (p *Portal) verifyPage(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("t")
	if raw == "" {
		raw = p.cookie(r, verifyCookie)
	}
	t, err := p.openVerifyToken(raw)
	if err != nil {
		return err
	}
	s, err := p.session(r)
	switch {
	case errors.Is(err, errNoSession):
		p.setCookie(w, verifyCookie, raw, 15*time.Minute)
		p.render(w, r, http.StatusOK, "verify", map[string]any{"Title": "Confirm your email", "Member": nil})
		return nil
	case err != nil:
		return err
	case s.member.ID != t.Member:
		return &pageError{Status: http.StatusForbidden, Title: "Sign in as the person who registered",
			Message: "This link confirms the email of another registration than the one you are signed in with. Sign out, then open the link again and sign in with the passkey you registered. Nothing was changed."}
	}
	p.clearCookie(w, verifyCookie)
	p.render(w, r, http.StatusOK, "verify", map[string]any{"Title": "Confirm your email", "Member": s.member,
		"Token": raw, "Verified": s.member.EmailVerified()})
	return nil
}

// verifyConfirm verifies the signed-in member's email with a link's token:
// once, only for the member it was sent to, only for the address it was
// sent to.
func (p *Portal) verifyConfirm(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	t, err := p.openVerifyToken(r.FormValue("t"))
	if err != nil {
		return err
	}
	if s.member.ID != t.Member {
		return &pageError{Status: http.StatusForbidden, Title: "Sign in as the person who registered",
			Message: "This link confirms the email of another registration than the one you are signed in with. Nothing was changed."}
	}
	ctx := r.Context()
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		now := p.now()
		fresh, err := tx.UseNonce(ctx, "verify-email:"+t.ID, t.Expires, now)
		if err != nil {
			return err
		}
		if !fresh {
			return &pageError{Status: http.StatusConflict, Title: "This link was already used",
				Message: "Each confirmation link works once. Ask for a new one on the Notifications page if you still need it."}
		}
		done, err := tx.VerifyEmail(ctx, t.Member, t.Email, now)
		if errors.Is(err, store.ErrNotFound) {
			return &pageError{Status: http.StatusBadRequest, Title: "This link does not work",
				Message: "This link was sent for another email address. Nothing was changed.", Cause: err}
		}
		if err != nil || !done {
			return err
		}
		return store.AppendAudit(ctx, tx, s.member.TenantID, s.actor(), "member.email_verified", "member:"+s.member.ID,
			map[string]any{"email": t.Email, "via": "mailed link"}, now)
	})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/settings?done=verified")
}

// verifySend mails the signed-in member a new link.
func (p *Portal) verifySend(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if !p.d.Mail {
		return &pageError{Status: http.StatusBadRequest, Title: "Email is not set up",
			Message: "This deadbolt server sends no email, so it cannot confirm your address. Nothing was sent."}
	}
	if s.member.EmailVerified() {
		return seeOther(w, r, "/settings")
	}
	ctx := r.Context()
	var sent bool
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		sent, err = p.sendVerificationTx(ctx, tx, s.member, "", "", p.now())
		return err
	})
	if err != nil {
		return err
	}
	done := "verify-sent"
	if !sent {
		done = "verify-wait"
	}
	return seeOther(w, r, "/settings?done="+url.QueryEscape(done))
}
