package authorizer

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/urlhook"
)

// IntegrationType is sent with every lock check the authorizer makes.
const IntegrationType = "apigateway"

// DefaultCacheEntries bounds the answer cache when Config.CacheEntries is 0.
const DefaultCacheEntries = 50_000

// ErrUnauthorized is returned to a REST API when the request carries no
// valid token: API Gateway answers 401 for exactly this error text.
var ErrUnauthorized = errors.New("Unauthorized")

// ErrEvent wraps input that is none of the shapes the authorizer answers.
var ErrEvent = errors.New("unsupported event")

// Checker asks deadbolt whether an account is locked;
// *lambdaenv.Checker implements it.
type Checker interface {
	Check(ctx context.Context, account string, cc client.Context) (client.Decision, error)
}

// Config is the authorizer's behaviour.
type Config struct {
	// Issuer is the trusted token issuer (exactly the iss claim).
	Issuer string
	// Audiences are the accepted app clients: an ID token's aud or an
	// access token's client_id must be one of them.
	Audiences []string
	// TokenUse, when set, is the token_use claim a token must carry
	// ("access" or "id").
	TokenUse string
	// AccountClaim names the claim that is the deadbolt account; empty
	// means username, then cognito:username, then sub.
	AccountClaim string
	// Cache is how long an answer is reused for an account; 0 disables it.
	Cache time.Duration
	// CacheEntries bounds the cache; default DefaultCacheEntries.
	CacheEntries int
	// FailMode applies when deadbolt cannot decide.
	FailMode client.FailMode
	// AppURI is the application's issuer in deadbolt: webhooks about
	// other applications are ignored.
	AppURI string
	// Webhooks verifies deadbolt's webhooks at the function URL.
	Webhooks urlhook.Receiver
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Handler answers API Gateway authorizer events and deadbolt webhooks. It
// is safe for concurrent use.
type Handler struct {
	cfg      Config
	verifier *oidc.IDTokenVerifier
	check    Checker
	cache    *cache
	log      *slog.Logger
}

// New returns a Handler that verifies tokens with the issuer's keys.
func New(cfg Config, keys oidc.KeySet, check Checker, log *slog.Logger) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = DefaultCacheEntries
	}
	if cfg.Webhooks.Now == nil {
		cfg.Webhooks.Now = cfg.Now
	}
	v := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		// The audience is checked below: Cognito access tokens carry it
		// as client_id, not aud.
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.EdDSA},
		Now:                  cfg.Now,
	})
	return &Handler{cfg: cfg, verifier: v, check: check, cache: newCache(cfg.Cache, cfg.CacheEntries), log: log}
}

// probe tells the input shapes apart.
type probe struct {
	Type           string           `json:"type"`
	Version        string           `json:"version"`
	RouteArn       *string          `json:"routeArn"`
	RequestContext *json.RawMessage `json:"requestContext"`
	RawPath        *string          `json:"rawPath"`
}

// Handle answers one invocation: a REST API TOKEN or REQUEST authorizer
// event, an HTTP API (payload 2.0) authorizer event, or a webhook through
// the function URL.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var p probe
	if err := json.Unmarshal(raw, &p); err != nil {
		h.log.ErrorContext(ctx, "malformed input", "error", err.Error())
		return nil, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	switch {
	case p.Type == "TOKEN":
		var ev events.APIGatewayCustomAuthorizerRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return h.rest(ctx, ev.AuthorizationToken, ev.MethodArn, client.Context{})
	case p.Type == "REQUEST" && p.RouteArn != nil:
		var ev events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		tok := header(ev.Headers, "authorization")
		if tok == "" && len(ev.IdentitySource) > 0 {
			tok = ev.IdentitySource[0]
		}
		cc := client.Context{IP: ev.RequestContext.HTTP.SourceIP, Device: ev.RequestContext.HTTP.UserAgent}
		v, err := h.authorize(ctx, tok, cc)
		if err != nil {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: v.allow, Context: v.context()}, nil
	case p.Type == "REQUEST":
		var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		cc := client.Context{IP: ev.RequestContext.Identity.SourceIP, Device: header(ev.Headers, "user-agent")}
		return h.rest(ctx, header(ev.Headers, "authorization"), ev.MethodArn, cc)
	case p.Type == "" && p.RequestContext != nil && p.RawPath != nil:
		var req events.LambdaFunctionURLRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return h.webhook(ctx, req), nil
	}
	h.log.ErrorContext(ctx, "unsupported input: expected an API Gateway authorizer event or a function URL request")
	return nil, fmt.Errorf("%w: not an API Gateway authorizer event or a function URL request", ErrEvent)
}

// rest answers a REST API authorizer: an IAM policy for the method, or
// ErrUnauthorized (401) without a valid token.
func (h *Handler) rest(ctx context.Context, tok, methodArn string, cc client.Context) (any, error) {
	v, err := h.authorize(ctx, tok, cc)
	if err != nil {
		return nil, ErrUnauthorized
	}
	effect := "Deny"
	if v.allow {
		effect = "Allow"
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: v.account,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{methodArn},
			}},
		},
		Context: v.context(),
	}, nil
}

// verdict is the authorizer's answer for a request with a valid token.
type verdict struct {
	account   string
	allow     bool
	status    string // deadbolt's status, or "undecided"
	decidedBy string // "deadbolt", "cache", "fail_open" or "fail_closed"
	sessionID string
}

// context is what API Gateway passes to the integration
// ($context.authorizer.*): strings, numbers and booleans only.
func (v verdict) context() map[string]any {
	return map[string]any{"account": v.account, "locked": !v.allow, "status": v.status, "decidedBy": v.decidedBy, "sessionID": v.sessionID}
}

// authorize verifies the token and decides. Its error means the token was
// refused (the request is unauthenticated), never that deadbolt failed.
func (h *Handler) authorize(ctx context.Context, bearer string, cc client.Context) (verdict, error) {
	account, err := h.principal(ctx, bearer)
	if err != nil {
		h.log.WarnContext(ctx, "token refused", "reason", err.Error(), "ip", cc.IP)
		return verdict{}, err
	}
	log := h.log.With("account", account)
	now := h.cfg.Now()
	if d, ok := h.cache.get(account, now); ok {
		v := verdict{account: account, allow: !d.Locked, status: d.Status, decidedBy: "cache", sessionID: d.SessionID}
		log.InfoContext(ctx, "decided", "allow", v.allow, "status", v.status, "decidedBy", v.decidedBy)
		return v, nil
	}
	d, err := h.check.Check(ctx, account, cc)
	if err != nil {
		v := verdict{account: account, status: "undecided", decidedBy: "fail_closed"}
		if h.cfg.FailMode == client.FailOpen {
			v.allow, v.decidedBy = true, "fail_open"
		}
		log.ErrorContext(ctx, "deadbolt could not decide; fail mode applies", "error", err.Error(), "failMode", string(h.cfg.FailMode), "allow", v.allow)
		return v, nil
	}
	h.cache.put(account, d, now)
	v := verdict{account: account, allow: !d.Locked, status: d.Status, decidedBy: "deadbolt", sessionID: d.SessionID}
	log.InfoContext(ctx, "decided", "allow", v.allow, "status", v.status, "decidedBy", v.decidedBy, "sessionID", v.sessionID)
	return v, nil
}

// claims are the token claims the authorizer reads besides the standard
// ones go-oidc checks.
type claims struct {
	TokenUse        string `json:"token_use"`
	ClientID        string `json:"client_id"`
	Username        string `json:"username"`
	CognitoUsername string `json:"cognito:username"`
	Subject         string `json:"sub"`
}

// principal verifies a bearer token and returns its account.
func (h *Handler) principal(ctx context.Context, bearer string) (string, error) {
	raw := strings.TrimSpace(bearer)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		return "", errors.New("no token")
	}
	tok, err := h.verifier.Verify(ctx, raw)
	if err != nil {
		return "", err
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	if h.cfg.TokenUse != "" && c.TokenUse != h.cfg.TokenUse {
		return "", fmt.Errorf("token_use is %q, want %q", c.TokenUse, h.cfg.TokenUse)
	}
	aud := slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(h.cfg.Audiences, a) })
	if !aud && !(c.ClientID != "" && slices.Contains(h.cfg.Audiences, c.ClientID)) {
		return "", errors.New("neither aud nor client_id is an accepted audience")
	}
	var account string
	if h.cfg.AccountClaim != "" {
		var all map[string]any
		if err := tok.Claims(&all); err != nil {
			return "", fmt.Errorf("claims: %w", err)
		}
		account, _ = all[h.cfg.AccountClaim].(string)
	} else {
		account = cmp.Or(c.Username, c.CognitoUsername, c.Subject)
	}
	if account == "" {
		return "", fmt.Errorf("the token has no account claim (%s)", cmp.Or(h.cfg.AccountClaim, "username, cognito:username or sub"))
	}
	return account, nil
}

// webhook drops the cached answer of the account a deadbolt webhook is
// about, so that the next request asks deadbolt.
func (h *Handler) webhook(ctx context.Context, req events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	ev, log, refusal, ok := h.cfg.Webhooks.Receive(ctx, req, h.log)
	if !ok {
		return refusal
	}
	res := urlhook.Result{Event: ev.ID}
	if ev.Data.Application != h.cfg.AppURI {
		res.Action, res.Message = "ignored", "event is for another application"
		log.InfoContext(ctx, "webhook ignored: "+res.Message)
		return urlhook.Respond(http.StatusOK, res)
	}
	res.Action = "not_cached"
	if h.cache.drop(ev.Data.Account) {
		res.Action = "dropped"
	}
	log.InfoContext(ctx, "webhook: cached answer "+res.Action, "locked", ev.Data.Locked)
	return urlhook.Respond(http.StatusOK, res)
}

func header(hs map[string]string, name string) string {
	if v, ok := hs[name]; ok {
		return v
	}
	for k, v := range hs {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
