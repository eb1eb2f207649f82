package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// StepPath is where the portal serves the step-up page (?id=REQUEST).
const StepPath = "/stepup"

// callbackPath is where a completed step returns to the op package, with
// the request ID and the step's secret.
const callbackPath = "/oidc/authorize/callback"

// Deps are the provider's collaborators.
type Deps struct {
	Store Store
	Box   *seal.Box
	Clock clock.Clock
	Log   *slog.Logger
	// Issuer is the portal's URL (portal.URL of the public URL).
	Issuer string
	// Keys overrides the key lifetimes (tests); nil means the defaults.
	Keys *Keys
}

// Provider is deadbolt's OpenID provider. It is safe for concurrent use.
type Provider struct {
	d    Deps
	keys *Keys
	op   *op.Provider
}

// New returns the provider for d.Issuer.
func New(d Deps) (*Provider, error) {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Issuer = strings.TrimRight(d.Issuer, "/")
	p := &Provider{d: d, keys: d.Keys}
	if p.keys == nil {
		p.keys = &Keys{}
	}
	p.keys.Store, p.keys.Box, p.keys.Clock = d.Store, d.Box, d.Clock
	crypto, err := d.Box.Derive("oidc-access-token-crypto", 32)
	if err != nil {
		return nil, err
	}
	cfg := &op.Config{CodeMethodS256: true, AuthMethodPost: true, SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp",
			"email", "email_verified", "name", "preferred_username"}}
	copy(cfg.CryptoKey[:], crypto)
	opts := []op.Option{op.WithCustomEndpoints(op.NewEndpoint("oidc/authorize"), op.NewEndpoint("oidc/token"),
		op.NewEndpoint("oidc/userinfo"), op.NewEndpoint("oidc/revoke"), op.NewEndpoint("oidc/end_session"), op.NewEndpoint("oidc/keys")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("oidc/introspect")),
		op.WithLogger(d.Log)}
	if strings.HasPrefix(d.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(cfg, storage{p}, op.StaticIssuer(d.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return p, nil
}

// Keys returns the provider's signing keys.
func (p *Provider) Keys() *Keys { return p.keys }

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.d.Issuer }

// Register adds the provider's routes to mux: discovery, the /oidc/
// endpoints, and the callback that checks the step's secret.
func (p *Provider) Register(mux *http.ServeMux) {
	mux.Handle("/.well-known/openid-configuration", p.op)
	mux.Handle("/oidc/", p.op)
	mux.Handle(callbackPath, http.HandlerFunc(p.callback))
}

func (p *Provider) loginURL(id string) string {
	return p.d.Issuer + StepPath + "?id=" + url.QueryEscape(id)
}

// callback hands a completed step to the op package, which redirects to
// the client with the code. Without the step's secret it answers 404; a
// request with prompt=none goes back at once (interaction_required: a
// step-up always needs the person), and a refused step goes back with
// access_denied and is forgotten.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	id, secret := r.URL.Query().Get("id"), r.URL.Query().Get("k")
	_, a, err := storage{p}.load(r.Context(), id)
	if err != nil {
		http.Error(w, "This sign-in request is unknown or has expired. Go back to the application and start again.", http.StatusNotFound)
		return
	}
	if a.doc.Refused != "" && !a.doc.Done {
		if err := (storage{p}).DeleteAuthRequest(r.Context(), id); err != nil {
			http.Error(w, "This sign-in request could not be ended. Go back to the application and start again.", http.StatusInternalServerError)
			return
		}
		op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("%s", a.doc.Refused), p.op)
		return
	}
	if !slices.Contains(a.doc.Request.Prompt, oidc.PromptNone) &&
		(a.doc.SecretHash == "" || ids.SecretHash(secret) != a.doc.SecretHash) {
		http.Error(w, "This sign-in request is unknown or has expired. Go back to the application and start again.", http.StatusNotFound)
		return
	}
	p.op.ServeHTTP(w, r)
}

// ErrStepUnknown is a step-up request that does not exist, expired or is
// complete.
var ErrStepUnknown = errors.New("oidc: step-up request unknown, expired or complete")

// Step is what the step-up page needs of a request in flight.
type Step struct {
	ID       string
	TenantID string
	Client   store.OIDCClient
	// ACR is what the request asks for (ACRPasskey or ACRPasskeyUnlocked).
	ACR       string
	LoginHint string
	// PromptNone: the relying party asked for no interaction.
	PromptNone bool
	// MemberID and Account are set once the passkey was verified.
	MemberID string
	Account  string
	doc      document
}

// Step returns the request id, still open.
func (p *Provider) Step(ctx context.Context, id string) (Step, error) {
	_, a, err := storage{p}.load(ctx, id)
	if errors.Is(err, errUnknown) || (err == nil && (a.doc.Done || a.doc.Refused != "")) {
		return Step{}, ErrStepUnknown
	}
	if err != nil {
		return Step{}, err
	}
	c, err := p.d.Store.OIDCClient(ctx, a.doc.Request.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return Step{}, ErrStepUnknown
	}
	if err != nil {
		return Step{}, err
	}
	s := Step{ID: id, TenantID: a.doc.TenantID, Client: c, ACR: a.doc.wantedACR(), LoginHint: a.doc.Request.LoginHint,
		PromptNone: slices.Contains(a.doc.Request.Prompt, oidc.PromptNone), MemberID: a.doc.MemberID,
		Account: a.doc.Account, doc: a.doc}
	return s, nil
}

// ReturnURL is where a request that ends without a code goes: back to the
// client, with interaction_required for prompt=none, or access_denied
// once Refuse ended it.
func (p *Provider) ReturnURL(id string) string {
	return p.d.Issuer + callbackPath + "?id=" + url.QueryEscape(id)
}

// Refuse ends the step without a code, for reason (shown to the relying
// party as the error description): the person cannot complete it (another
// tenant or person, an account that stays locked, an approval denied or
// expired) or cancelled it. It is audited as oidc.stepup.refused. The
// browser then goes to ReturnURL.
func (p *Provider) Refuse(ctx context.Context, id, reason string) error {
	return p.update(ctx, id, func(tx store.Tx, d *document) error {
		if d.Refused != "" {
			return nil
		}
		d.Refused, d.Ceremony, d.CeremonyExpires = reason, nil, time.Time{}
		actor := "system"
		if d.MemberID != "" {
			actor = "member:" + d.MemberID
		}
		data := map[string]any{"request": id, "client": d.Request.ClientID, "acr": d.wantedACR(), "reason": reason}
		if d.Account != "" {
			data["account"] = d.Account
		}
		return store.AppendAudit(ctx, tx, d.TenantID, actor, "oidc.stepup.refused", "oidc_client:"+d.Request.ClientID,
			data, p.d.Clock.Now().UTC())
	})
}

// update changes the stored request id with fn, in one transaction.
func (p *Provider) update(ctx context.Context, id string, fn func(tx store.Tx, d *document) error) error {
	return p.d.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.OIDCRequest(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !p.d.Clock.Now().Before(r.ExpiresAt)) {
			return ErrStepUnknown
		}
		if err != nil {
			return err
		}
		a, err := decode(r.ID, r.Document)
		if err != nil {
			return err
		}
		if a.doc.Done || a.doc.Refused != "" {
			return ErrStepUnknown
		}
		if err := fn(tx, &a.doc); err != nil {
			return err
		}
		if r.Document, err = json.Marshal(a.doc); err != nil {
			return err
		}
		return tx.PutOIDCRequest(ctx, r)
	})
}

// BeginCeremony keeps the WebAuthn state of a passkey prompt in the
// request for five minutes.
func (p *Provider) BeginCeremony(ctx context.Context, id string, state []byte) error {
	return p.update(ctx, id, func(_ store.Tx, d *document) error {
		d.Ceremony, d.CeremonyExpires = state, p.d.Clock.Now().Add(ceremonyTTL).UTC()
		return nil
	})
}

// TakeCeremony returns the WebAuthn state of the request's passkey prompt
// and forgets it, so each prompt is answered at most once (nil when there
// is none, or it expired).
func (p *Provider) TakeCeremony(ctx context.Context, id string) ([]byte, error) {
	var state []byte
	err := p.update(ctx, id, func(_ store.Tx, d *document) error {
		if p.d.Clock.Now().Before(d.CeremonyExpires) {
			state = d.Ceremony
		}
		d.Ceremony, d.CeremonyExpires = nil, time.Time{}
		return nil
	})
	return state, err
}

// Passed records that member m verified a passkey for the request, with
// account as their account at the client's application ("" when the
// request does not need one), and clears the ceremony. When the request
// asks only for ACRPasskey, or unlocked is true, the step is complete. It
// returns the step's one-time secret, which the callback and Unlocked
// need. A member of another tenant than the client's is ErrWrongTenant.
func (p *Provider) Passed(ctx context.Context, id string, m store.Member, account string, unlocked bool) (string, error) {
	secret := ids.NewSecret()
	err := p.update(ctx, id, func(tx store.Tx, d *document) error {
		if m.TenantID != d.TenantID {
			return ErrWrongTenant
		}
		d.Ceremony, d.CeremonyExpires = nil, time.Time{}
		d.MemberID, d.Account, d.AuthTime = m.ID, account, p.d.Clock.Now().UTC()
		d.SecretHash, d.ACR = ids.SecretHash(secret), ACRPasskey
		if d.wantedACR() == ACRPasskey || unlocked {
			return p.complete(ctx, tx, id, d)
		}
		return nil
	})
	return secret, err
}

// ErrWrongTenant is a member signing in through another tenant's client.
var ErrWrongTenant = errors.New("oidc: the member is not of the client's tenant")

// Unlocked completes a step that waited for the account to be unlocked;
// the caller has seen that it is.
func (p *Provider) Unlocked(ctx context.Context, id, secret string) error {
	return p.update(ctx, id, func(tx store.Tx, d *document) error {
		if d.SecretHash == "" || ids.SecretHash(secret) != d.SecretHash {
			return ErrStepUnknown
		}
		return p.complete(ctx, tx, id, d)
	})
}

func (p *Provider) complete(ctx context.Context, tx store.Tx, id string, d *document) error {
	d.ACR, d.Done = d.wantedACR(), true
	data := map[string]any{"request": id, "client": d.Request.ClientID, "acr": d.ACR, "amr": AMR}
	if d.Account != "" {
		data["account"] = d.Account
	}
	return store.AppendAudit(ctx, tx, d.TenantID, "member:"+d.MemberID, "oidc.stepup", "oidc_client:"+d.Request.ClientID,
		data, p.d.Clock.Now().UTC())
}

// CallbackURL is where the browser goes once the step is complete.
func (p *Provider) CallbackURL(id, secret string) string {
	return p.d.Issuer + callbackPath + "?id=" + url.QueryEscape(id) + "&k=" + url.QueryEscape(secret)
}

// HasSecret reports whether the step has its secret yet (Passed gave it
// out): from then on, everything that acts on the step needs it.
func (s Step) HasSecret() bool { return s.doc.SecretHash != "" }

// Secret reports whether secret is the step's.
func (s Step) Secret(secret string) bool {
	return s.doc.SecretHash != "" && ids.SecretHash(secret) == s.doc.SecretHash
}
