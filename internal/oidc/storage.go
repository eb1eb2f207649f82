package oidc

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Lifetimes of what the provider hands out.
const (
	requestTTL    = 10 * time.Minute // from authorize to the code
	codeTTL       = 2 * time.Minute  // from the code to its exchange
	tokenLifetime = 5 * time.Minute  // id and access tokens
	ceremonyTTL   = 5 * time.Minute  // a passkey prompt
)

// Store is what the provider reads and changes.
type Store interface {
	store.ConfigReader
	store.MemberReader
	store.OIDCReader
	store.Updater
	store.Pinger
}

// storage implements op.Storage on the store.
type storage struct {
	p *Provider
}

var _ op.Storage = storage{}
var _ op.CanSetUserinfoFromRequest = storage{}

// errUnknown is a request, code or client that is not there (or no longer).
var errUnknown = errors.New("oidc: unknown or expired")

func (s storage) now() time.Time { return s.p.d.Clock.Now().UTC() }

// CreateAuthRequest implements op.Storage.
func (s storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.p.d.Store.OIDCClient(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	now := s.now()
	a := &authRequest{id: ids.New(), doc: document{Request: req, TenantID: c.TenantID}}
	raw, err := json.Marshal(a.doc)
	if err != nil {
		return nil, err
	}
	err = s.p.d.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.PurgeOIDCRequests(ctx, now); err != nil {
			return err
		}
		return tx.PutOIDCRequest(ctx, store.OIDCRequest{ID: a.id, TenantID: c.TenantID, ClientID: c.ID, Document: raw,
			CreatedAt: now, ExpiresAt: now.Add(requestTTL)})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// load returns a request in flight that has not expired.
func (s storage) load(ctx context.Context, id string) (store.OIDCRequest, *authRequest, error) {
	r, err := s.p.d.Store.OIDCRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.now().Before(r.ExpiresAt)) {
		return r, nil, errUnknown
	}
	if err != nil {
		return r, nil, err
	}
	a, err := decode(r.ID, r.Document)
	return r, a, err
}

// AuthRequestByID implements op.Storage.
func (s storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	_, a, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AuthRequestByCode implements op.Storage: the code is taken, so a second
// exchange of it finds nothing, whatever happens to the first.
func (s storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	var r store.OIDCRequest
	err := s.p.d.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.TakeOIDCCode(ctx, ids.SecretHash(code))
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.now().Before(r.ExpiresAt)) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the code is unknown, used or expired")
	}
	if err != nil {
		return nil, err
	}
	a, err := decode(r.ID, r.Document)
	if err != nil {
		return nil, err
	}
	if !a.doc.Done {
		return nil, oidc.ErrInvalidGrant()
	}
	return a, nil
}

// SaveAuthCode implements op.Storage.
func (s storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.p.d.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.OIDCRequest(ctx, id)
		if err != nil {
			return err
		}
		r.CodeHash, r.ExpiresAt = ids.SecretHash(code), s.now().Add(codeTTL)
		return tx.PutOIDCRequest(ctx, r)
	})
}

// DeleteAuthRequest implements op.Storage.
func (s storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.p.d.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteOIDCRequest(ctx, id) })
}

// CreateAccessToken implements op.Storage: access tokens are JWTs (the
// clients say so), so nothing is stored; the ID is the token's jti.
func (s storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return ids.New(), s.now().Add(tokenLifetime), nil
}

// CreateAccessAndRefreshTokens implements op.Storage; there are no
// refresh tokens.
func (s storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// TokenRequestByRefreshToken implements op.Storage; there are no refresh
// tokens.
func (s storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// TerminateSession implements op.Storage; a step-up leaves no session.
func (s storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken implements op.Storage: access tokens are JWTs that live five
// minutes and cannot be revoked; RFC 7009 answers success all the same.
func (s storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

// GetRefreshTokenInfo implements op.Storage.
func (s storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// SigningKey implements op.Storage.
func (s storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	key, priv, err := s.p.keys.Signer(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{id: key.ID, priv: priv}, nil
}

// SignatureAlgorithms implements op.Storage.
func (s storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

// KeySet implements op.Storage: the published keys.
func (s storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.p.keys.Published(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(keys))
	for _, k := range keys {
		pub, err := x509.ParsePKIXPublicKey(k.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("oidc: public key %s: %w", k.ID, err)
		}
		out = append(out, publicKey{id: k.ID, pub: pub})
	}
	return out, nil
}

// GetClientByClientID implements op.Storage.
func (s storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.p.d.Store.OIDCClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknown
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return client{c: c, loginURL: s.p.loginURL, lifetime: tokenLifetime}, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.p.d.Store.OIDCClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errUnknown
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if !secretMatches(c, secret) {
		return errors.New("oidc: wrong client secret")
	}
	return nil
}

// SetUserinfoFromScopes implements op.Storage (deprecated there: empty).
func (s storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the
// id_token's claims about the member.
func (s storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.userinfo(ctx, info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken implements op.Storage.
func (s storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	return s.userinfo(ctx, info, subject, []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail})
}

func (s storage) userinfo(ctx context.Context, info *oidc.UserInfo, subject string, scopes []string) error {
	m, err := s.p.d.Store.Member(ctx, subject)
	if err != nil {
		return err
	}
	info.Subject = m.ID
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = m.Email, oidc.Bool(m.EmailVerified())
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername = m.Name, m.Email
		}
	}
	return nil
}

// SetIntrospectionFromToken implements op.Storage by answering every
// token inactive. Access tokens are JWTs that store nothing, so this
// callback cannot learn which client a token was issued to: answering
// "active" would let any tenant's confidential client vouch for another
// client's (or another tenant's) token. A step-up relying party verifies
// the id_token instead; the access token serves only userinfo.
func (s storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errIntrospection
}

// errIntrospection makes the library answer {"active": false}.
var errIntrospection = errors.New("oidc: introspection answers every token inactive")

// GetPrivateClaimsFromScopes implements op.Storage.
func (s storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.Storage; clients do not sign JWTs.
func (s storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnknown
}

// ValidateJWTProfileScopes implements op.Storage; the JWT profile grant
// is not offered.
func (s storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// Health implements op.Storage.
func (s storage) Health(ctx context.Context) error { return s.p.d.Store.Ping(ctx) }
