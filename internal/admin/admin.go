package admin

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Defaults for new applications.
const (
	DefaultUnlock = 15 * time.Minute
	MaxUnlock     = 24 * time.Hour
	SecretSize    = 32 // bytes of a new HS256 secret
)

// Store is what administration reads and changes: tenants, applications,
// keys and webhooks, members and their passkeys (an owner who cannot sign
// in does not count), groups and policies, and the accounts a policy
// explanation names, every change in a transaction.
type Store interface {
	store.ConfigReader
	store.MemberReader
	store.PortalReader
	store.PolicyReader
	store.AccountReader
	store.TemplateReader
	store.Updater
}

// Service performs administrative changes. It is safe for concurrent use.
type Service struct {
	Store Store
	Clock clock.Clock
	Box   *seal.Box // needed only to create HS256 keys and webhooks
	// Egress decides which hosts webhooks may be created for; the zero
	// value allows public addresses only.
	Egress egress.Policy
	// Notify lists the member channels this deployment delivers
	// (store.ChannelEmail, store.ChannelPush), on which members hear of
	// recovery links issued for them; nil means both.
	Notify []string
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}

// CreateTenant creates a tenant named name.
func (s *Service) CreateTenant(ctx context.Context, actor, name string) (store.Tenant, error) {
	var t store.Tenant
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		t, err = createTenantTx(ctx, tx, actor, name, s.Clock.Now())
		return err
	})
	return t, err
}

// CreateTenantWithOwner creates a tenant named name and its first owner,
// with a one-time link for the owner to register their passkey, all in
// one transaction: a bad email leaves no tenant behind.
func (s *Service) CreateTenantWithOwner(ctx context.Context, actor, name, email, ownerName string, ttl time.Duration) (store.Tenant, Invitation, error) {
	var t store.Tenant
	var inv Invitation
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		var err error
		if t, err = createTenantTx(ctx, tx, actor, name, now); err != nil {
			return err
		}
		if inv.Member, err = CreateMemberTx(ctx, tx, actor, NewMember{TenantID: t.ID, Email: email, Name: ownerName, Role: store.RoleOwner}, now); err != nil {
			return err
		}
		inv.Secret, inv.Invite, err = CreateInviteTx(ctx, tx, actor, inv.Member, ttl, now)
		return err
	})
	return t, inv, err
}

func createTenantTx(ctx context.Context, tx store.ConfigTx, actor, name string, now time.Time) (store.Tenant, error) {
	name = strings.TrimSpace(name)
	if err := checkName("tenant name", name); err != nil {
		return store.Tenant{}, err
	}
	t := store.Tenant{ID: ids.New(), Name: name, CreatedAt: now}
	if err := tx.CreateTenant(ctx, t); err != nil {
		return store.Tenant{}, fmt.Errorf("tenant %q: %w", name, err)
	}
	return t, store.AppendAudit(ctx, tx, t.ID, actor, "tenant.created", "tenant:"+t.ID, map[string]any{"name": name}, now)
}

// Tenant finds a tenant by ID or name.
func (s *Service) Tenant(ctx context.Context, ref string) (store.Tenant, error) {
	t, err := s.Store.TenantByName(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		t, err = s.Store.Tenant(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("tenant %q: %w", ref, store.ErrNotFound)
	}
	return t, err
}

// NewApp describes an application to create. Zero fields take defaults.
type NewApp struct {
	TenantID      string
	Name          string
	Issuer        string
	Unenrolled    string // default allow
	FailMode      string // default closed
	DefaultUnlock time.Duration
	MaxUnlock     time.Duration
}

// CreateApp creates an enabled application.
func (s *Service) CreateApp(ctx context.Context, actor string, n NewApp) (store.Application, error) {
	now := s.Clock.Now()
	a := store.Application{
		ID: ids.New(), TenantID: n.TenantID, Name: strings.TrimSpace(n.Name), Issuer: strings.TrimSpace(n.Issuer),
		Unenrolled: or(n.Unenrolled, store.UnenrolledAllow), FailMode: or(n.FailMode, store.FailClosed),
		Enabled: true, DefaultUnlock: n.DefaultUnlock, MaxUnlock: n.MaxUnlock, CreatedAt: now, UpdatedAt: now,
	}
	if a.MaxUnlock == 0 {
		a.MaxUnlock = MaxUnlock
	}
	if a.DefaultUnlock == 0 {
		a.DefaultUnlock = min(DefaultUnlock, a.MaxUnlock)
	}
	if err := validateApp(a); err != nil {
		return store.Application{}, err
	}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateApplication(ctx, a); err != nil {
			return fmt.Errorf("application with issuer %q: %w", a.Issuer, err)
		}
		return store.AppendAudit(ctx, tx, a.TenantID, actor, "application.created", "application:"+a.ID, map[string]any{
			"name": a.Name, "issuer": a.Issuer, "unenrolled": a.Unenrolled, "fail_mode": a.FailMode,
		}, now)
	})
	return a, err
}

func validateApp(a store.Application) error {
	var problems []string
	if err := checkName("name", a.Name); err != nil {
		problems = append(problems, err.Error())
	}
	if a.Issuer == "" || len(a.Issuer) > 512 || strings.IndexFunc(a.Issuer, unicode.IsSpace) >= 0 {
		problems = append(problems, "issuer must be 1 to 512 characters without spaces (the application's URI, as its tokens' iss)")
	}
	if a.Unenrolled != store.UnenrolledAllow && a.Unenrolled != store.UnenrolledDeny {
		problems = append(problems, fmt.Sprintf("unenrolled must be allow or deny, not %q", a.Unenrolled))
	}
	if a.FailMode != store.FailOpen && a.FailMode != store.FailClosed {
		problems = append(problems, fmt.Sprintf("fail mode must be open or closed, not %q", a.FailMode))
	}
	if a.MaxUnlock <= 0 || a.DefaultUnlock <= 0 || a.DefaultUnlock > a.MaxUnlock {
		problems = append(problems, "the default unlock must be positive and no longer than the longest unlock")
	}
	if len(problems) > 0 {
		return invalid("%s", strings.Join(problems, "; "))
	}
	return nil
}

// App finds an application by ID or issuer.
func (s *Service) App(ctx context.Context, ref string) (store.Application, error) {
	a, err := s.Store.ApplicationByIssuer(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		a, err = s.Store.Application(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return a, fmt.Errorf("application %q (neither an id nor an issuer): %w", ref, store.ErrNotFound)
	}
	return a, err
}

// UpdateApp applies change to the application and records what changed.
func (s *Service) UpdateApp(ctx context.Context, actor, appID string, change func(*store.Application)) (store.Application, error) {
	var a store.Application
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.Application(ctx, appID)
		if err != nil {
			return err
		}
		a = old
		change(&a)
		a.ID, a.TenantID, a.Issuer, a.CreatedAt = old.ID, old.TenantID, old.Issuer, old.CreatedAt
		a.UpdatedAt = s.Clock.Now()
		if err := validateApp(a); err != nil {
			return err
		}
		if err := tx.UpdateApplication(ctx, a); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, a.TenantID, actor, "application.updated", "application:"+a.ID, map[string]any{
			"name": a.Name, "enabled": a.Enabled, "locked_down": a.LockedDown, "unenrolled": a.Unenrolled,
			"fail_mode": a.FailMode, "default_unlock": a.DefaultUnlock.String(), "max_unlock": a.MaxUnlock.String(),
		}, a.UpdatedAt)
	})
	return a, err
}

// CreateKey creates an HS256 signing key and returns it with its secret,
// which is stored only sealed and must be shown to the user once.
func (s *Service) CreateKey(ctx context.Context, actor string, app store.Application, expires time.Time) (store.SigningKey, []byte, error) {
	secret := make([]byte, SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return store.SigningKey{}, nil, err
	}
	k := store.SigningKey{KID: ids.NewKID(), AppID: app.ID, TenantID: app.TenantID, Algorithm: store.AlgHS256,
		CreatedAt: s.Clock.Now(), ExpiresAt: expires}
	sealed, err := s.Box.Seal(secret, k.KID)
	if err != nil {
		return store.SigningKey{}, nil, err
	}
	k.SealedSecret = sealed
	return k, secret, s.addKey(ctx, actor, app, k)
}

// RegisterPublicKey registers an ES256 (P-256) or EdDSA (Ed25519) public key
// given as PEM, so the application keeps its private key to itself.
func (s *Service) RegisterPublicKey(ctx context.Context, actor string, app store.Application, pemData []byte, expires time.Time) (store.SigningKey, error) {
	blk, _ := pem.Decode(pemData)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return store.SigningKey{}, invalid("public key must be a PEM block of type PUBLIC KEY")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return store.SigningKey{}, invalid("public key: %v", err)
	}
	alg, err := algorithmOf(pub)
	if err != nil {
		return store.SigningKey{}, err
	}
	k := store.SigningKey{KID: ids.NewKID(), AppID: app.ID, TenantID: app.TenantID, Algorithm: alg,
		PublicKey: blk.Bytes, CreatedAt: s.Clock.Now(), ExpiresAt: expires}
	return k, s.addKey(ctx, actor, app, k)
}

func (s *Service) addKey(ctx context.Context, actor string, app store.Application, k store.SigningKey) error {
	if !k.ExpiresAt.IsZero() && !k.ExpiresAt.After(k.CreatedAt) {
		return invalid("key expiry %s is not in the future", k.ExpiresAt.Format(time.RFC3339))
	}
	return s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateSigningKey(ctx, k); err != nil {
			return err
		}
		data := map[string]any{"kid": k.KID, "algorithm": k.Algorithm, "application": app.Issuer}
		if !k.ExpiresAt.IsZero() {
			data["expires"] = k.ExpiresAt
		}
		return store.AppendAudit(ctx, tx, app.TenantID, actor, "key.created", "key:"+k.KID, data, k.CreatedAt)
	})
}

// RevokeKey revokes a signing key at once.
func (s *Service) RevokeKey(ctx context.Context, actor, kid string) (store.SigningKey, error) {
	var k store.SigningKey
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.SigningKey(ctx, kid); err != nil {
			return fmt.Errorf("key %q: %w", kid, err)
		}
		if !k.RevokedAt.IsZero() {
			return nil
		}
		k.RevokedAt = s.Clock.Now()
		if err := tx.RevokeSigningKey(ctx, kid, k.RevokedAt); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, k.TenantID, actor, "key.revoked", "key:"+kid, map[string]any{"kid": kid}, k.RevokedAt)
	})
	return k, err
}

// DeleteKey removes a revoked signing key for good, with its audit event:
// a key sealed under another master key, or one no token will carry
// again. An active key is store.ErrConflict (revoke it first); an unknown
// one store.ErrNotFound.
func (s *Service) DeleteKey(ctx context.Context, actor, kid string) (store.SigningKey, error) {
	var k store.SigningKey
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.SigningKey(ctx, kid); err != nil {
			return fmt.Errorf("key %q: %w", kid, err)
		}
		if err := tx.DeleteSigningKey(ctx, kid); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, k.TenantID, actor, "key.deleted", "key:"+kid,
			map[string]any{"kid": kid, "application": k.AppID, "algorithm": k.Algorithm}, s.Clock.Now())
	})
	return k, err
}

func algorithmOf(pub any) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return store.AlgES256, nil
		}
	case ed25519.PublicKey:
		return store.AlgEdDSA, nil
	}
	return "", invalid("public key must be ECDSA P-256 (ES256) or Ed25519 (EdDSA), not %T", pub)
}

func checkName(field, v string) error {
	if v == "" || len(v) > 200 {
		return invalid("%s must be 1 to 200 characters", field)
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// TenantApp finds the tenant's application by ID, issuer, or the host of
// its issuer (as Next Level3 names an application: its domain). A host
// that several of the tenant's applications share is ErrInvalid, naming
// them; an application of another tenant is not found.
func (s *Service) TenantApp(ctx context.Context, tenantID, ref string) (store.Application, error) {
	ref = strings.TrimSpace(ref)
	apps, err := s.Store.Applications(ctx, tenantID)
	if err != nil {
		return store.Application{}, err
	}
	var byHost []store.Application
	for _, a := range apps {
		if a.ID == ref || a.Issuer == ref {
			return a, nil
		}
		if u, err := url.Parse(a.Issuer); err == nil && u.Hostname() != "" && strings.EqualFold(u.Hostname(), ref) {
			byHost = append(byHost, a)
		}
	}
	switch len(byHost) {
	case 0:
		return store.Application{}, fmt.Errorf("application %q (no application of this tenant has this id, issuer or issuer host): %w",
			ref, store.ErrNotFound)
	case 1:
		return byHost[0], nil
	}
	issuers := make([]string, len(byHost))
	for i, a := range byHost {
		issuers[i] = a.Issuer
	}
	return store.Application{}, invalid("several applications have the host %s (%s): name one by its issuer", ref, strings.Join(issuers, ", "))
}
