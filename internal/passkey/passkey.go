package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrRejected: the browser's response does not prove what it must (bad
// signature, wrong origin or challenge, unknown passkey, expired ceremony).
// The details are in the chain for the log, never for the client.
var ErrRejected = errors.New("passkey response rejected")

// ErrThrottled: the sign-in names a member whose sign-ins are paused
// (the caller's allow function said no).
var ErrThrottled = errors.New("sign-ins of this member are paused")

// CeremonyTTL bounds a ceremony from Begin to Finish.
const CeremonyTTL = 5 * time.Minute

// Reader is the part of the store the ceremonies read.
type Reader interface {
	Member(ctx context.Context, id string) (store.Member, error)
	Passkey(ctx context.Context, id string) (store.Passkey, error)
	Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error)
}

// Service runs ceremonies for one relying party. It is safe for concurrent
// use.
type Service struct {
	wa    *webauthn.WebAuthn
	store Reader
	clock clock.Clock
}

// New returns a Service for the portal at publicURL: the relying-party ID is
// its host name and the only accepted origin is its scheme, host and port.
func New(publicURL, displayName string, r Reader, c clock.Clock) (*Service, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("passkey: public URL %q is not an absolute URL", publicURL)
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: displayName,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// Passkeys: discoverable, verified by the device (PIN, biometrics).
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: relying party for %s: %w", publicURL, err)
	}
	return &Service{wa: wa, store: r, clock: c}, nil
}

// RPID returns the relying-party ID.
func (s *Service) RPID() string { return s.wa.Config.RPID }

// user adapts a member and their passkeys to webauthn.User.
type user struct {
	m     store.Member
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return []byte(u.m.ID) }
func (u *user) WebAuthnName() string                       { return u.m.Email }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }
func (u *user) WebAuthnDisplayName() string {
	if u.m.Name != "" {
		return u.m.Name
	}
	return u.m.Email
}

func (s *Service) loadUser(ctx context.Context, m store.Member) (*user, []store.Passkey, error) {
	pks, err := s.store.Passkeys(ctx, m.ID)
	if err != nil {
		return nil, nil, err
	}
	u := &user{m: m}
	for _, p := range pks {
		var c webauthn.Credential
		if err := json.Unmarshal(p.Credential, &c); err != nil {
			return nil, nil, fmt.Errorf("passkey: stored credential %s: %w: %v", p.ID, store.ErrUnavailable, err)
		}
		u.creds = append(u.creds, c)
	}
	return u, pks, nil
}

// Challenge returns the challenge of a ceremony's state, so the caller can
// record it as used when the ceremony finishes.
func Challenge(state []byte) (string, error) {
	var sd webauthn.SessionData
	if err := json.Unmarshal(state, &sd); err != nil || sd.Challenge == "" {
		return "", fmt.Errorf("%w: ceremony state is unreadable", ErrRejected)
	}
	return sd.Challenge, nil
}

// BeginRegistration starts registering a new passkey for m. It returns the
// options for navigator.credentials.create (JSON) and the ceremony state.
// The member's existing passkeys are excluded, so one authenticator is not
// registered twice.
func (s *Service) BeginRegistration(ctx context.Context, m store.Member) (options, state []byte, err error) {
	u, _, err := s.loadUser(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	creation, sd, err := s.wa.BeginRegistration(u, webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin registration: %w", err)
	}
	return encode(creation, sd)
}

// FinishRegistration checks the browser's response to BeginRegistration
// and returns the new passkey, named name, ready to store (not stored).
func (s *Service) FinishRegistration(ctx context.Context, m store.Member, state, response []byte, name string) (store.Passkey, error) {
	var sd webauthn.SessionData
	if err := json.Unmarshal(state, &sd); err != nil {
		return store.Passkey{}, fmt.Errorf("%w: ceremony state: %v", ErrRejected, err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	u, _, err := s.loadUser(ctx, m)
	if err != nil {
		return store.Passkey{}, err
	}
	cred, err := s.wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("passkey: encode credential: %w", err)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if len(name) > 60 {
		name = name[:60]
	}
	return store.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), TenantID: m.TenantID, MemberID: m.ID,
		Name: name, Credential: raw, CreatedAt: s.clock.Now()}, nil
}

// BeginLogin starts a sign-in with any passkey of this relying party. It
// returns the options for navigator.credentials.get (JSON) and the state.
func (s *Service) BeginLogin() (options, state []byte, err error) {
	assertion, sd, err := s.wa.BeginDiscoverableLogin()
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	return encode(assertion, sd)
}

// BeginStepUp starts a sign-in that requires user verification (a PIN or
// biometric on the authenticator): FinishLogin then refuses a response
// without the user-verified flag. The step-up of the OpenID provider uses
// it.
func (s *Service) BeginStepUp() (options, state []byte, err error) {
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin step-up: %w", err)
	}
	return encode(assertion, sd)
}

// Login is a verified sign-in.
type Login struct {
	Member store.Member
	// Passkey is the passkey used, with its sign count and LastUsedAt
	// brought up to date; the caller stores it.
	Passkey store.Passkey
}

// FinishLogin checks the browser's response to BeginLogin. A passkey that
// is not stored, or a response whose user handle is not the passkey's
// member, is ErrRejected; so is a signature counter that went backwards
// (a cloned authenticator). Once the passkey's member is known, allow (if
// not nil) is asked whether they may sign in now; no is ErrThrottled. On
// a failure after the member was found, the returned Login names them, so
// the caller can count the failure against them.
func (s *Service) FinishLogin(ctx context.Context, state, response []byte, allow func(memberID string) bool) (Login, error) {
	return s.finishLogin(ctx, s.wa, state, response, allow)
}

// FinishStepUp checks the browser's response to BeginStepUp as
// FinishLogin does. The step-up page may run in a frame of another origin:
// a response made in a cross-origin frame is accepted when its top origin
// (the page that framed it) is one of frameOrigins (the OpenID client's),
// and refused otherwise, as is one that says it was made in a
// cross-origin frame but names no top origin (FinishLogin refuses that
// too).
func (s *Service) FinishStepUp(ctx context.Context, state, response []byte, frameOrigins []string, allow func(memberID string) bool) (Login, error) {
	wa := s.wa
	if len(frameOrigins) > 0 {
		cfg := *s.wa.Config
		cfg.RPAllowCrossOrigin = true
		cfg.RPTopOrigins = slices.Clone(frameOrigins)
		cfg.RPTopOriginVerificationMode = protocol.TopOriginExplicitVerificationMode
		var err error
		if wa, err = webauthn.New(&cfg); err != nil {
			return Login{}, fmt.Errorf("passkey: relying party with frame origins %v: %w", frameOrigins, err)
		}
	}
	return s.finishLogin(ctx, wa, state, response, allow)
}

func (s *Service) finishLogin(ctx context.Context, wa *webauthn.WebAuthn, state, response []byte, allow func(memberID string) bool) (Login, error) {
	var sd webauthn.SessionData
	if err := json.Unmarshal(state, &sd); err != nil {
		return Login{}, fmt.Errorf("%w: ceremony state: %v", ErrRejected, err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return Login{}, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	// go-webauthn checks the top origin only when the client data names
	// one: a cross-origin answer without it would pass any frame origin.
	if cd := parsed.Response.CollectedClientData; cd.CrossOrigin && cd.TopOrigin == "" {
		return Login{}, fmt.Errorf("%w: the answer was made in a cross-origin frame but names no top origin", ErrRejected)
	}
	var found Login
	var lookupErr error
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		id := base64.RawURLEncoding.EncodeToString(rawID)
		p, err := s.store.Passkey(ctx, id)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		if !bytes.Equal(userHandle, []byte(p.MemberID)) {
			return nil, errors.New("user handle is not the passkey's member")
		}
		m, err := s.store.Member(ctx, p.MemberID)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		found = Login{Member: m, Passkey: p}
		if allow != nil && !allow(m.ID) {
			lookupErr = ErrThrottled
			return nil, ErrThrottled
		}
		u, _, err := s.loadUser(ctx, m)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		return u, nil
	}
	cred, err := wa.ValidateDiscoverableLogin(handler, sd, parsed)
	switch {
	case errors.Is(lookupErr, ErrThrottled):
		return found, lookupErr
	case lookupErr != nil && !errors.Is(lookupErr, store.ErrNotFound):
		return Login{}, lookupErr // the store failed: not the client's fault
	case err != nil:
		return found, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	if cred.Authenticator.CloneWarning {
		return found, fmt.Errorf("%w: signature counter of passkey %s went backwards (cloned authenticator?)", ErrRejected, found.Passkey.ID)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return Login{}, fmt.Errorf("passkey: encode credential: %w", err)
	}
	found.Passkey.Credential, found.Passkey.LastUsedAt = raw, s.clock.Now()
	return found, nil
}

func encode(options any, sd *webauthn.SessionData) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: encode options: %w", err)
	}
	st, err := json.Marshal(sd)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: encode state: %w", err)
	}
	return o, st, nil
}

// detail returns the library's developer detail for the log.
func detail(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%s: %s", pe.Details, pe.DevInfo)
	}
	return err
}
