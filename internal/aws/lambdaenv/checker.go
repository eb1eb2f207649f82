package lambdaenv

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/deadbolt-dev/deadbolt/client"
)

// Checker calls deadbolt's lock check with the configured application and
// key. When the key lives in Secrets Manager it is fetched on the first
// check and cached; until then, and whenever fetching fails, checks are
// undecided (their errors wrap client.ErrUndecided and ErrSecret), so the
// fail mode applies. It is safe for concurrent use.
type Checker struct {
	cfg         Check
	integration string
	http        *http.Client
	secret      *Secret

	mu sync.Mutex
	c  *client.Client
}

// NewChecker returns a Checker for cfg. integrationType is sent with every
// check (NL3 uses "cognito" and "awsiamuser"). secret must be non-nil when
// cfg.SigningKeySecretARN is set. hc may be nil.
func NewChecker(cfg Check, integrationType string, secret *Secret, hc *http.Client) (*Checker, error) {
	ch := &Checker{cfg: cfg, integration: integrationType, http: hc, secret: secret}
	if cfg.SigningKey != nil {
		c, err := ch.newClient(cfg.SigningKey)
		if err != nil {
			return nil, err
		}
		ch.c = c
	} else if secret == nil {
		return nil, fmt.Errorf("%w: SIGNING_KEY_SECRET_ARN: no Secrets Manager client", ErrConfig)
	}
	return ch, nil
}

func (ch *Checker) newClient(key []byte) (*client.Client, error) {
	c, err := client.New(client.Config{
		URL:             ch.cfg.APIURI,
		Path:            ch.cfg.APIPath,
		Issuer:          ch.cfg.AppURI,
		Key:             key,
		Timeout:         ch.cfg.Timeout,
		FailMode:        ch.cfg.FailMode,
		IntegrationType: ch.integration,
		HTTPClient:      ch.http,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return c, nil
}

// FailMode returns the configured fail mode.
func (ch *Checker) FailMode() client.FailMode { return ch.cfg.FailMode }

// client returns the lock-check client, building it from the secret on
// first use.
func (ch *Checker) client(ctx context.Context) (*client.Client, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.c != nil {
		return ch.c, nil
	}
	raw, err := ch.secret.Get(ctx)
	if err != nil {
		return nil, err
	}
	key, err := DecodeKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: signing key in %s: %w", ErrSecret, ch.secret.ARN(), err)
	}
	c, err := ch.newClient(key)
	if err != nil {
		return nil, err
	}
	ch.c = c
	return c, nil
}

// Check asks deadbolt whether account is locked; see client.Client.Check.
func (ch *Checker) Check(ctx context.Context, account string, cc client.Context) (client.Decision, error) {
	c, err := ch.client(ctx)
	if err != nil {
		return client.Decision{}, fmt.Errorf("%w: %w", client.ErrUndecided, err)
	}
	return c.Check(ctx, account, cc)
}
