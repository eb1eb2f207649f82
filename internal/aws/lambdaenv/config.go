package lambdaenv

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

// ErrConfig is wrapped by every configuration problem.
var ErrConfig = errors.New("invalid configuration")

// Env looks up an environment variable; os.Getenv fits.
type Env = func(string) string

// Defaults.
const (
	// DefaultCognitoTimeout is the Cognito function's lock-check timeout:
	// Cognito gives a trigger 5 s in all, including cold start.
	DefaultCognitoTimeout = 1500 * time.Millisecond
	// MaxCognitoTimeout is the largest TIMEOUT_MS the Cognito function
	// accepts; beyond it Cognito would give up before the fail mode could
	// apply.
	MaxCognitoTimeout = 4 * time.Second
	// DefaultIAMTimeout is the IAM function's lock-check timeout.
	DefaultIAMTimeout = 3 * time.Second
	// MaxIAMTimeout is the largest TIMEOUT_MS the IAM function accepts.
	MaxIAMTimeout = 20 * time.Second
	// DefaultAuthorizerTimeout is the API Gateway authorizer's lock-check
	// timeout: every API request waits for it when the answer is not cached.
	DefaultAuthorizerTimeout = 1 * time.Second
	// MaxAuthorizerTimeout is the largest TIMEOUT_MS the authorizer accepts.
	MaxAuthorizerTimeout = 10 * time.Second
	// DefaultCacheSeconds is CACHE_SECONDS when unset.
	DefaultCacheSeconds = 10
	// MaxCacheSeconds is the largest CACHE_SECONDS: a lock must not wait
	// longer than this for a cache that missed its webhook.
	MaxCacheSeconds = 300
	// DefaultLockedMessage is LOCKED_MESSAGE when unset. Cognito shows it as
	// "PreAuthentication failed with error Account is locked."
	DefaultLockedMessage = "Account is locked"
	// DefaultPolicyARN is POLICY_ARN when unset.
	DefaultPolicyARN = "arn:aws:iam::aws:policy/AWSDenyAll"
	// PolicyInline is the POLICY_ARN value that skips the managed policy
	// and always uses the inline deny-all policy.
	PolicyInline = "inline"
)

// Check is what a function needs to call deadbolt's lock check.
type Check struct {
	// APIURI is deadbolt's base URL (API_URI).
	APIURI string
	// APIPath is the lock-check path (API_PATH); empty means the NL3 path.
	APIPath string
	// AppURI is the application's issuer (APP_URI, or NL3's APP_FQDN).
	AppURI string
	// SigningKey is the decoded key from SIGNING_KEY; nil when the key
	// comes from SigningKeySecretARN.
	SigningKey []byte
	// SigningKeySecretARN names a Secrets Manager secret holding the
	// base64 key (SIGNING_KEY_SECRET_ARN).
	SigningKeySecretARN string
	// FailMode applies when a check cannot decide (FAIL_MODE).
	FailMode client.FailMode
	// Timeout bounds each check (TIMEOUT_MS).
	Timeout time.Duration
}

// Cognito is the configuration of the Cognito trigger function.
type Cognito struct {
	Check
	// ClientIDs are the app clients whose sign-ins are checked (CLIENT_ID,
	// comma separated); empty means every client.
	ClientIDs []string
	// LockedMessage is the error text for a denied sign-in
	// (LOCKED_MESSAGE).
	LockedMessage string
	// AccountAttribute names a user attribute to use as the deadbolt
	// account name instead of the Cognito user name (ACCOUNT_ATTRIBUTE).
	AccountAttribute string
	// StepUp configures the custom authentication triggers; nil when
	// STEPUP_ISSUER is unset (those triggers are then refused).
	StepUp *StepUp
}

// StepUp is the configuration of the Cognito custom authentication
// triggers that make deadbolt's OpenID provider a step-up challenge.
type StepUp struct {
	// Issuer is deadbolt's public URL (STEPUP_ISSUER).
	Issuer string
	// ClientID is the OpenID client (STEPUP_CLIENT_ID).
	ClientID string
	// ClientSecret is its secret (STEPUP_CLIENT_SECRET), or SecretARN
	// names the Secrets Manager secret holding it (STEPUP_SECRET_ARN; a
	// JSON secret's "STEPUP_CLIENT_SECRET" field, or the whole string).
	ClientSecret, SecretARN string
	// RedirectURI is the web client's page the code comes back to
	// (STEPUP_REDIRECT_URI), registered on the client.
	RedirectURI string
	// ACRValues are asked for and accepted (ACR_VALUES, space or comma
	// separated; default urn:deadbolt:acr:passkey).
	ACRValues []string
	// MaxAttempts is how many wrong answers end the sign-in
	// (MAX_ATTEMPTS, default 1).
	MaxAttempts int
	// AllowPrivate lets the function reach deadbolt at a private address
	// (STEPUP_ALLOW_PRIVATE=true); otherwise only public addresses.
	AllowPrivate bool
}

// IAM is the configuration of the IAM enforcement function.
type IAM struct {
	Check
	// PolicyARN is the managed deny-all policy attached to locked
	// principals (POLICY_ARN); PolicyInline means inline only.
	PolicyARN string
	// WebhookSecrets verify deadbolt's webhooks (WEBHOOK_SECRET, comma
	// separated during a rotation). Empty with no WebhookSecretARN means
	// webhooks are refused.
	WebhookSecrets []string
	// WebhookSecretARN names a Secrets Manager secret holding them
	// (WEBHOOK_SECRET_ARN).
	WebhookSecretARN string
	// Principals are the deadbolt account names reconcile visits
	// (PRINCIPALS, comma separated); empty means every IAM user and role
	// tagged deadbolt:protected=true.
	Principals []string
}

// Authorizer is the configuration of the API Gateway Lambda authorizer.
type Authorizer struct {
	Check
	// Issuer is the JWT issuer the authorizer trusts (JWT_ISSUER), e.g.
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf.
	Issuer string
	// JWKSURL is where the issuer's signing keys are (JWKS_URL); default
	// Issuer + "/.well-known/jwks.json", as Cognito publishes them.
	JWKSURL string
	// Audiences are the accepted app clients (JWT_AUDIENCE, commas): an
	// ID token's aud, or an access token's client_id, must be one of them.
	Audiences []string
	// TokenUse is "access", "id" or "" for either (TOKEN_USE); a token
	// whose token_use claim differs is refused.
	TokenUse string
	// AccountClaim names the claim that is the deadbolt account
	// (ACCOUNT_CLAIM); default: username in access tokens,
	// cognito:username in ID tokens, else sub.
	AccountClaim string
	// Cache is how long an answer is reused for the same account
	// (CACHE_SECONDS; 0 asks deadbolt on every request).
	Cache time.Duration
	// WebhookSecrets verify deadbolt's webhooks, which drop cached answers
	// (WEBHOOK_SECRET, comma separated during a rotation).
	WebhookSecrets []string
	// WebhookSecretARN names a Secrets Manager secret holding them
	// (WEBHOOK_SECRET_ARN).
	WebhookSecretARN string
}

// LoadAuthorizer reads the authorizer's configuration.
func LoadAuthorizer(env Env) (Authorizer, error) {
	var p problems
	c := Authorizer{Check: loadCheck(env, &p, DefaultAuthorizerTimeout, MaxAuthorizerTimeout)}
	c.Issuer = strings.TrimRight(strings.TrimSpace(env("JWT_ISSUER")), "/")
	if u, err := url.Parse(c.Issuer); c.Issuer == "" {
		p.add("JWT_ISSUER", "is not set (the token issuer, e.g. https://cognito-idp.REGION.amazonaws.com/POOL_ID)")
	} else if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		p.add("JWT_ISSUER", "%q is not an http(s) URL", c.Issuer)
	}
	c.JWKSURL = strings.TrimSpace(env("JWKS_URL"))
	if c.JWKSURL == "" && c.Issuer != "" {
		c.JWKSURL = c.Issuer + "/.well-known/jwks.json"
	} else if u, err := url.Parse(c.JWKSURL); c.JWKSURL != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
		p.add("JWKS_URL", "%q is not an http(s) URL", c.JWKSURL)
	}
	c.Audiences = list(env("JWT_AUDIENCE"))
	if len(c.Audiences) == 0 {
		p.add("JWT_AUDIENCE", "is not set (the app client ids whose tokens are accepted, commas between them)")
	}
	switch c.TokenUse = strings.ToLower(strings.TrimSpace(env("TOKEN_USE"))); c.TokenUse {
	case "", "access", "id":
	default:
		p.add("TOKEN_USE", "%q is not access, id or empty (either)", c.TokenUse)
	}
	c.AccountClaim = strings.TrimSpace(env("ACCOUNT_CLAIM"))
	c.Cache = DefaultCacheSeconds * time.Second
	if v := strings.TrimSpace(env("CACHE_SECONDS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxCacheSeconds {
			p.add("CACHE_SECONDS", "%q is not a whole number of seconds from 0 to %d", v, MaxCacheSeconds)
		}
		c.Cache = time.Duration(n) * time.Second
	}
	c.WebhookSecrets, c.WebhookSecretARN = loadWebhookSecrets(env, &p)
	return c, p.err()
}

// loadWebhookSecrets reads WEBHOOK_SECRET or WEBHOOK_SECRET_ARN.
func loadWebhookSecrets(env Env, p *problems) (secrets []string, arn string) {
	secrets = list(env("WEBHOOK_SECRET"))
	arn = strings.TrimSpace(env("WEBHOOK_SECRET_ARN"))
	if len(secrets) > 0 && arn != "" {
		p.add("WEBHOOK_SECRET", "set WEBHOOK_SECRET or WEBHOOK_SECRET_ARN, not both")
	}
	if arn != "" && !secretARN.MatchString(arn) {
		p.add("WEBHOOK_SECRET_ARN", "%q is not a Secrets Manager secret ARN", arn)
	}
	for _, s := range secrets {
		if len(s) < 16 {
			p.add("WEBHOOK_SECRET", "a secret is shorter than 16 characters")
		}
	}
	return secrets, arn
}

// problems collects configuration errors.
type problems []error

func (p *problems) add(name, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%w: %s: %s", ErrConfig, name, fmt.Sprintf(format, args...)))
}

func (p problems) err() error { return errors.Join(p...) }

// LoadCognito reads the Cognito function's configuration.
func LoadCognito(env Env) (Cognito, error) {
	var p problems
	c := Cognito{Check: loadCheck(env, &p, DefaultCognitoTimeout, MaxCognitoTimeout)}
	c.ClientIDs = list(env("CLIENT_ID"))
	c.LockedMessage = env("LOCKED_MESSAGE")
	if c.LockedMessage == "" {
		c.LockedMessage = DefaultLockedMessage
	} else if len(c.LockedMessage) > 500 || strings.ContainsAny(c.LockedMessage, "\r\n") {
		p.add("LOCKED_MESSAGE", "must be one line of at most 500 bytes")
	}
	c.AccountAttribute = strings.TrimSpace(env("ACCOUNT_ATTRIBUTE"))
	c.StepUp = loadStepUp(env, &p)
	return c, p.err()
}

func loadStepUp(env Env, p *problems) *StepUp {
	s := &StepUp{Issuer: strings.TrimSpace(env("STEPUP_ISSUER")), ClientID: strings.TrimSpace(env("STEPUP_CLIENT_ID")),
		ClientSecret: env("STEPUP_CLIENT_SECRET"), SecretARN: strings.TrimSpace(env("STEPUP_SECRET_ARN")),
		RedirectURI: strings.TrimSpace(env("STEPUP_REDIRECT_URI")), MaxAttempts: 1,
		ACRValues: strings.Fields(strings.ReplaceAll(env("ACR_VALUES"), ",", " "))}
	if s.Issuer == "" {
		return nil
	}
	if u, err := url.Parse(s.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.add("STEPUP_ISSUER", "%q is not deadbolt's http(s) public URL", s.Issuer)
	}
	if s.ClientID == "" {
		p.add("STEPUP_CLIENT_ID", "is not set (from deadbolt oidc client create)")
	}
	switch {
	case s.ClientSecret != "" && s.SecretARN != "":
		p.add("STEPUP_CLIENT_SECRET", "set STEPUP_CLIENT_SECRET or STEPUP_SECRET_ARN, not both")
	case s.SecretARN != "" && !secretARN.MatchString(s.SecretARN):
		p.add("STEPUP_SECRET_ARN", "%q is not a Secrets Manager secret ARN", s.SecretARN)
	case s.ClientSecret == "" && s.SecretARN == "":
		p.add("STEPUP_CLIENT_SECRET", "neither STEPUP_CLIENT_SECRET nor STEPUP_SECRET_ARN is set")
	}
	if u, err := url.Parse(s.RedirectURI); s.RedirectURI == "" || err != nil || u.Scheme == "" || u.Host == "" {
		p.add("STEPUP_REDIRECT_URI", "%q is not an absolute URL registered on the client", s.RedirectURI)
	}
	if len(s.ACRValues) == 0 {
		s.ACRValues = []string{"urn:deadbolt:acr:passkey"}
	}
	if v := strings.TrimSpace(env("MAX_ATTEMPTS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			p.add("MAX_ATTEMPTS", "%q is not a number from 1 to 10", v)
		}
		s.MaxAttempts = n
	}
	switch v := strings.ToLower(strings.TrimSpace(env("STEPUP_ALLOW_PRIVATE"))); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		s.AllowPrivate = true
	default:
		p.add("STEPUP_ALLOW_PRIVATE", "%q is not true or false", v)
	}
	return s
}

// LoadIAM reads the IAM function's configuration.
func LoadIAM(env Env) (IAM, error) {
	var p problems
	c := IAM{Check: loadCheck(env, &p, DefaultIAMTimeout, MaxIAMTimeout)}
	c.PolicyARN = strings.TrimSpace(env("POLICY_ARN"))
	switch {
	case c.PolicyARN == "":
		c.PolicyARN = DefaultPolicyARN
	case c.PolicyARN == PolicyInline:
	case !policyARN.MatchString(c.PolicyARN):
		p.add("POLICY_ARN", "%q is not an IAM policy ARN (arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME) or %q", c.PolicyARN, PolicyInline)
	}
	c.WebhookSecrets, c.WebhookSecretARN = loadWebhookSecrets(env, &p)
	c.Principals = list(env("PRINCIPALS"))
	return c, p.err()
}

var (
	policyARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$`)
	secretARN = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$`)
)

func loadCheck(env Env, p *problems, defTimeout, maxTimeout time.Duration) Check {
	c := Check{
		APIURI:              strings.TrimSpace(env("API_URI")),
		APIPath:             strings.TrimSpace(env("API_PATH")),
		AppURI:              strings.TrimSpace(env("APP_URI")),
		SigningKeySecretARN: strings.TrimSpace(env("SIGNING_KEY_SECRET_ARN")),
		Timeout:             defTimeout,
	}
	if c.AppURI == "" {
		c.AppURI = strings.TrimSpace(env("APP_FQDN")) // NL3's Cognito sample
	}
	if u, err := url.Parse(c.APIURI); c.APIURI == "" {
		p.add("API_URI", "is not set (deadbolt's base URL, e.g. https://deadbolt.example.com)")
	} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		p.add("API_URI", "%q is not an http(s) base URL", c.APIURI)
	}
	if c.APIPath != "" && (!strings.HasPrefix(c.APIPath, "/") || strings.ContainsAny(c.APIPath, "?# ")) {
		p.add("API_PATH", "%q is not a path starting with /", c.APIPath)
	}
	if c.AppURI == "" {
		p.add("APP_URI", "is not set (the application's issuer in deadbolt)")
	}
	raw := env("SIGNING_KEY")
	switch {
	case raw != "" && c.SigningKeySecretARN != "":
		p.add("SIGNING_KEY", "set SIGNING_KEY or SIGNING_KEY_SECRET_ARN, not both")
	case raw != "":
		key, err := DecodeKey(raw)
		if err != nil {
			p.add("SIGNING_KEY", "%v", err)
		}
		c.SigningKey = key
	case c.SigningKeySecretARN != "":
		if !secretARN.MatchString(c.SigningKeySecretARN) {
			p.add("SIGNING_KEY_SECRET_ARN", "%q is not a Secrets Manager secret ARN", c.SigningKeySecretARN)
		}
	default:
		p.add("SIGNING_KEY", "neither SIGNING_KEY nor SIGNING_KEY_SECRET_ARN is set")
	}
	mode := strings.ToLower(strings.TrimSpace(env("FAIL_MODE")))
	switch mode {
	case "":
		c.FailMode = client.FailClosed
		// NL3's Auth0 action spells it FAIL_OPEN=true.
		switch v := strings.ToLower(strings.TrimSpace(env("FAIL_OPEN"))); v {
		case "":
		case "true", "1", "yes":
			c.FailMode = client.FailOpen
		case "false", "0", "no":
		default:
			p.add("FAIL_OPEN", "%q is not true or false", v)
		}
	case string(client.FailOpen), string(client.FailClosed):
		c.FailMode = client.FailMode(mode)
	default:
		p.add("FAIL_MODE", "%q is not open or closed", mode)
	}
	if v := strings.TrimSpace(env("TIMEOUT_MS")); v != "" {
		ms, err := strconv.Atoi(v)
		switch {
		case err != nil || ms <= 0:
			p.add("TIMEOUT_MS", "%q is not a positive number of milliseconds", v)
		case time.Duration(ms)*time.Millisecond > maxTimeout:
			p.add("TIMEOUT_MS", "%d ms is more than the %d ms this function allows", ms, maxTimeout.Milliseconds())
		default:
			c.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	return c
}

// DecodeKey decodes a base64 signing key and checks its length. Its errors
// never contain the key.
func DecodeKey(s string) ([]byte, error) {
	key, err := client.DecodeKey(s)
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	if len(key) < client.MinKeySize {
		return nil, fmt.Errorf("decodes to %d bytes; signing keys are at least %d", len(key), client.MinKeySize)
	}
	return key, nil
}

// list splits a comma-separated value, dropping blanks.
func list(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
