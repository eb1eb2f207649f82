package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Cookie names (prefixed __Host- on https).
const (
	sessionCookie  = "deadbolt_session"
	ceremonyCookie = "deadbolt_ceremony"
	enableCookie   = "deadbolt_enable"
)

// touchEvery bounds how often a session's SeenAt is written: idle expiry
// is measured in minutes, so a write per request would only cost.
const touchEvery = time.Minute

// signedIn is the session of the request and its member.
type signedIn struct {
	sess   store.Session
	member store.Member
}

func (s signedIn) actor() string { return "member:" + s.member.Email }

var errNoSession = errors.New("not signed in")

// session returns the request's live session. An expired or idle session is
// deleted and reported as errNoSession.
func (p *Portal) session(r *http.Request) (signedIn, error) {
	secret := p.cookie(r, sessionCookie)
	if secret == "" {
		return signedIn{}, errNoSession
	}
	ctx := r.Context()
	id := ids.SecretHash(secret)
	s, err := p.d.Store.Session(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return signedIn{}, errNoSession
	}
	if err != nil {
		return signedIn{}, err
	}
	now := p.now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.SeenAt) > p.d.Config.SessionIdle {
		_ = p.d.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, id) })
		return signedIn{}, errNoSession
	}
	m, err := p.d.Store.Member(ctx, s.MemberID)
	if err != nil {
		return signedIn{}, err
	}
	if now.Sub(s.SeenAt) >= touchEvery {
		if err := p.d.Store.Update(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, id, now) }); err != nil {
			return signedIn{}, err
		}
		s.SeenAt = now
	}
	return signedIn{sess: s, member: m}, nil
}

// requireSession returns the session, or an error that sends the browser
// to the sign-in page (a redirect for pages, 401 for script calls).
func (p *Portal) requireSession(w http.ResponseWriter, r *http.Request) (signedIn, bool, error) {
	s, err := p.session(r)
	if err == nil {
		return s, true, nil
	}
	if !errors.Is(err, errNoSession) {
		return signedIn{}, false, err
	}
	if r.Method == http.MethodGet && !wantsJSON(r) && r.URL.Path != "/events" && r.URL.Path != "/fragment/home" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return signedIn{}, false, nil
	}
	return signedIn{}, false, &pageError{Status: http.StatusUnauthorized, Title: "Signed out",
		Message: "Your session has ended. Sign in again."}
}

// startSession creates a session for m inside tx, with the sign-in's audit
// event, and returns the cookie secret.
func (p *Portal) startSession(ctx context.Context, tx store.PortalTx, r *http.Request, m store.Member, how string, now time.Time) (string, error) {
	// A sign-in replaces the browser's previous session, if any.
	if old := p.cookie(r, sessionCookie); old != "" {
		if err := tx.DeleteSession(ctx, ids.SecretHash(old)); err != nil {
			return "", err
		}
	}
	secret := ids.NewSecret()
	s := store.Session{ID: ids.SecretHash(secret), TenantID: m.TenantID, MemberID: m.ID, CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(p.d.Config.SessionMax), IP: clientaddr.Of(r), UserAgent: truncate(r.UserAgent(), 200)}
	if err := tx.CreateSession(ctx, s); err != nil {
		return "", err
	}
	return secret, store.AppendAudit(ctx, tx, m.TenantID, "member:"+m.Email, "portal.signin", "member:"+m.ID,
		map[string]any{"ip": s.IP, "user_agent": s.UserAgent, "how": how}, now)
}

// finishSignIn ends a passkey step that signs someone in: in one
// transaction it spends the ceremony c's challenge, runs change and starts
// a session (how names it) for the member change returns; then it sets the
// session cookie and answers with the page to go to next (where a fresh
// sign-in goes, when next is empty).
func (p *Portal) finishSignIn(w http.ResponseWriter, r *http.Request, c ceremony, how, next string, change func(tx store.Tx, now time.Time) (store.Member, error)) error {
	ctx := r.Context()
	var secret string
	err := p.d.Store.Update(ctx, func(tx store.Tx) error {
		now := p.now()
		if err := p.useChallenge(r, tx, c); err != nil {
			return err
		}
		m, err := change(tx, now)
		if err != nil {
			return err
		}
		secret, err = p.startSession(ctx, tx, r, m, how, now)
		return err
	})
	if err != nil {
		return err
	}
	p.setSession(w, secret)
	if next == "" {
		next = p.afterSignIn(r)
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
	return nil
}

func (p *Portal) setSession(w http.ResponseWriter, secret string) {
	p.setCookie(w, sessionCookie, secret, p.d.Config.SessionMax)
}

// ceremony is what a WebAuthn ceremony keeps between Begin and Finish,
// sealed into a cookie.
type ceremony struct {
	Purpose  string          `json:"purpose"` // signin, setup, add, enable
	State    json.RawMessage `json:"state"`
	MemberID string          `json:"member,omitempty"`
	InviteID string          `json:"invite,omitempty"`
	// Draft is a member to create when an enablement registration
	// finishes.
	Draft   *store.Member `json:"draft,omitempty"`
	Expires time.Time     `json:"expires"`
}

const ceremonyOwner = "portal:ceremony"

// beginCeremony keeps c in the ceremony cookie for five minutes and
// answers with the WebAuthn options the browser's passkey step needs.
func (p *Portal) beginCeremony(w http.ResponseWriter, c ceremony, options []byte) error {
	c.Expires = p.now().Add(5 * time.Minute)
	if err := p.putSealed(w, ceremonyCookie, ceremonyOwner, c, 5*time.Minute); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, json.RawMessage(options))
	return nil
}

// finishCeremony reads the browser's answer to a passkey step, then opens
// the ceremony cookie (clearing it) and checks its purpose and expiry.
func (p *Portal) finishCeremony(w http.ResponseWriter, r *http.Request, purpose string) (ceremonyRequest, ceremony, error) {
	req, err := readCeremony(r)
	if err != nil {
		return req, ceremony{}, err
	}
	var c ceremony
	p.clearCookie(w, ceremonyCookie)
	if err := p.getSealed(r, ceremonyCookie, ceremonyOwner, &c); err != nil || c.Purpose != purpose || !p.now().Before(c.Expires) {
		return req, ceremony{}, &pageError{Status: http.StatusBadRequest, Title: "Start again",
			Message: "This passkey step took too long or was already used. Start again.", Cause: err}
	}
	return req, c, nil
}

func (p *Portal) putSealed(w http.ResponseWriter, name, owner string, v any, maxAge time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := p.d.Box.Seal(raw, owner)
	if err != nil {
		return err
	}
	p.setCookie(w, name, base64.RawURLEncoding.EncodeToString(sealed), maxAge)
	return nil
}

func (p *Portal) getSealed(r *http.Request, name, owner string, v any) error {
	c := p.cookie(r, name)
	if c == "" {
		return fmt.Errorf("no %s cookie", name)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return err
	}
	raw, err := p.d.Box.Open(sealed, owner)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
