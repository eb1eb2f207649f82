package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrInvalidClient is a client definition that cannot work: no redirect
// URI, a redirect URI or frame origin that is not an absolute URL, plain
// HTTP off loopback.
var ErrInvalidClient = errors.New("invalid OpenID client")

// ClientStore is what Clients reads and changes.
type ClientStore interface {
	store.ConfigReader
	store.OIDCReader
	store.Updater
}

// Clients manages a tenant's OpenID clients. It is safe for concurrent use.
type Clients struct {
	Store ClientStore
	Clock clock.Clock
}

// NewClient is what creating a client takes.
type NewClient struct {
	TenantID     string
	Name         string
	RedirectURIs []string
	FrameOrigins []string
	Public       bool
	// AppID is the application for acr passkey+unlocked; "" for none.
	AppID string
}

// Created is a new client with its secret, shown once ("" for a public
// client).
type Created struct {
	Client store.OIDCClient
	Secret string
}

// Create stores a new client, audited by actor, and returns it with its
// secret.
func (c *Clients) Create(ctx context.Context, actor string, n NewClient) (Created, error) {
	origins, err := checkClient(n)
	if err != nil {
		return Created{}, err
	}
	n.FrameOrigins = origins
	now := c.Clock.Now().UTC()
	cl := store.OIDCClient{ID: "oc_" + strings.ReplaceAll(ids.New(), "-", ""), TenantID: n.TenantID, Name: n.Name,
		Public: n.Public, RedirectURIs: n.RedirectURIs, FrameOrigins: n.FrameOrigins, AppID: n.AppID, CreatedAt: now}
	var secret string
	if !n.Public {
		secret = ids.NewSecret()
		cl.SecretHash = ids.SecretHash(secret)
	}
	err = c.Store.Update(ctx, func(tx store.Tx) error {
		if n.AppID != "" {
			app, err := tx.Application(ctx, n.AppID)
			if err != nil || app.TenantID != n.TenantID {
				return fmt.Errorf("%w: no application %s in this tenant", ErrInvalidClient, n.AppID)
			}
		}
		if err := tx.CreateOIDCClient(ctx, cl); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, n.TenantID, actor, "oidc.client.create", "oidc_client:"+cl.ID,
			map[string]any{"name": cl.Name, "public": cl.Public, "redirect_uris": cl.RedirectURIs,
				"frame_origins": cl.FrameOrigins, "app_id": cl.AppID}, now)
	})
	if err != nil {
		return Created{}, err
	}
	return Created{Client: cl, Secret: secret}, nil
}

// List returns a tenant's clients by name.
func (c *Clients) List(ctx context.Context, tenantID string) ([]store.OIDCClient, error) {
	return c.Store.OIDCClients(ctx, tenantID)
}

// Find returns the tenant's client whose ID or name is ref.
func (c *Clients) Find(ctx context.Context, tenantID, ref string) (store.OIDCClient, error) {
	list, err := c.Store.OIDCClients(ctx, tenantID)
	if err != nil {
		return store.OIDCClient{}, err
	}
	for _, cl := range list {
		if cl.ID == ref || cl.Name == ref {
			return cl, nil
		}
	}
	return store.OIDCClient{}, fmt.Errorf("OpenID client %q: %w", ref, store.ErrNotFound)
}

// Delete removes the tenant's client whose ID or name is ref, with its
// requests in flight, audited by actor.
func (c *Clients) Delete(ctx context.Context, actor, tenantID, ref string) (store.OIDCClient, error) {
	cl, err := c.Find(ctx, tenantID, ref)
	if err != nil {
		return cl, err
	}
	now := c.Clock.Now().UTC()
	return cl, c.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteOIDCClient(ctx, tenantID, cl.ID); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "oidc.client.delete", "oidc_client:"+cl.ID,
			map[string]any{"name": cl.Name}, now)
	})
}

// checkClient checks n and returns its frame origins normalized (see
// FrameOrigin), without repeats.
func checkClient(n NewClient) ([]string, error) {
	var problems []string
	if strings.TrimSpace(n.Name) == "" {
		problems = append(problems, "a client needs a name")
	}
	if len(n.RedirectURIs) == 0 {
		problems = append(problems, "a client needs at least one redirect URI")
	}
	for _, raw := range n.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Fragment != "" {
			problems = append(problems, fmt.Sprintf("redirect URI %q is not an absolute http(s) URL without a fragment", raw))
			continue
		}
		if u.Scheme == "http" && !loopback(u.Hostname()) {
			problems = append(problems, fmt.Sprintf("redirect URI %q: plain http is allowed only for localhost and loopback addresses", raw))
		}
	}
	origins := make([]string, 0, len(n.FrameOrigins))
	for _, raw := range n.FrameOrigins {
		o, err := FrameOrigin(raw)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidClient, strings.Join(problems, "; "))
	}
	return origins, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secretMatches compares a presented secret with a client's stored hash in
// constant time.
func secretMatches(c store.OIDCClient, secret string) bool {
	if c.Public || c.SecretHash == "" || secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ids.SecretHash(secret)), []byte(c.SecretHash)) == 1
}

// client is a stored client as the op package sees it.
type client struct {
	c        store.OIDCClient
	loginURL func(id string) string
	lifetime time.Duration
}

var _ op.Client = client{}

func (c client) GetID() string                    { return c.c.ID }
func (c client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return nil }
func (c client) ApplicationType() op.ApplicationType {
	if c.c.Public {
		return op.ApplicationTypeUserAgent
	}
	return op.ApplicationTypeWeb
}
func (c client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) LoginURL(id string) string    { return c.loginURL(id) }
func (c client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeJWT
}
func (c client) IDTokenLifetime() time.Duration { return c.lifetime }

// DevMode lets a registered http redirect URI be used: Create allows http
// only on loopback, and the URI must still match exactly.
func (c client) DevMode() bool { return true }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }
