package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// FailMode says what Allow and Middleware do when a check cannot decide.
type FailMode string

// Fail modes.
const (
	FailClosed FailMode = "closed" // deny: the safe default
	FailOpen   FailMode = "open"   // allow, and report the error
)

// Defaults and limits.
const (
	// DefaultPath is the NL3 lock-check path, which deadbolt serves too.
	DefaultPath = "/nl3/api/v1/accountProtectionCheck"
	// DefaultTimeout bounds a whole Check: connecting, sending, reading.
	DefaultTimeout = 2 * time.Second
	// DefaultIntegrationType is sent when Config.IntegrationType is empty.
	DefaultIntegrationType = "go"
	// MaxResponseSize is the largest answer Check reads; bigger ones are
	// undecided.
	MaxResponseSize = 64 << 10
	// MinKeySize is the shortest signing key New accepts, in bytes.
	// deadbolt and NL3 hand out 32-byte keys.
	MinKeySize = 16
	// TokenHeader carries the lock-check token.
	TokenHeader = "x-nl3-authorization-token"
)

// Token timing, as in NL3's samples: issued a minute in the past to absorb
// clock skew, valid for five minutes.
const (
	tokenBackdate = 60 * time.Second
	tokenLifetime = 5 * time.Minute
)

// Config configures a Client. Only URL, Issuer and Key are required.
type Config struct {
	// URL is the deadbolt base URL, e.g. http://127.0.0.1:8420.
	URL string
	// Path is appended to URL; default DefaultPath.
	Path string
	// Issuer is the application's issuer, the token's iss.
	Issuer string
	// Key is the raw HS256 signing key. Keys are handed out in base64;
	// decode them with DecodeKey.
	Key []byte
	// Audience is the token's aud; default URL.
	Audience string
	// Timeout bounds each Check; default DefaultTimeout.
	Timeout time.Duration
	// FailMode applies when a check cannot decide; default FailClosed.
	FailMode FailMode
	// IntegrationType is sent as integrationType; default
	// DefaultIntegrationType.
	IntegrationType string
	// HTTPClient sends the requests; default a client on
	// http.DefaultTransport. The Client uses a copy that never follows
	// redirects.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Context is what the server learns about the attempt besides the account.
type Context struct {
	IP       string // userIP
	Device   string // userDevice, e.g. a User-Agent
	Location string // userLocation, free text
	// IntegrationData is any JSON-encodable value, sent as integrationData.
	IntegrationData any
	// Peek asks for the decision without side effects: a once-unlock is
	// not used up and no unlock request is raised. For reconcilers and
	// status displays, never for a real sign-in.
	Peek bool
}

// Decision is the server's answer to a check that decided.
type Decision struct {
	Locked    bool
	Status    string // e.g. "unlocked", "pending_approval", "not_enrolled"
	Message   string // text meant for the person logging in
	SessionID string // the server's id for this check
}

// Client checks accounts against one deadbolt server for one application.
// It is safe for concurrent use.
type Client struct {
	endpoint        string
	issuer          string
	audience        string
	key             token.Key
	timeout         time.Duration
	failMode        FailMode
	integrationType string
	http            *http.Client
	now             func() time.Time
}

// DecodeKey decodes a signing key as handed out: base64 in the standard or
// URL alphabet, with or without padding, surrounding white space ignored.
// Its errors never contain the key.
func DecodeKey(b64 string) ([]byte, error) {
	s := strings.TrimRight(strings.TrimSpace(b64), "=")
	if s == "" {
		return nil, errors.New("client: signing key is empty")
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	key, err := enc.DecodeString(s)
	if err != nil {
		return nil, errors.New("client: signing key is not valid base64 (standard or URL alphabet)")
	}
	if len(key) == 0 {
		return nil, errors.New("client: signing key is empty")
	}
	return key, nil
}

// New validates cfg, fills in defaults and returns a Client. The error
// lists every problem, each naming its Config field and wrapping ErrConfig.
func New(cfg Config) (*Client, error) {
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...)))
	}

	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		bad("Config.URL is empty")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		bad("Config.URL %q is not an absolute http or https URL", cfg.URL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		bad("Config.URL %q must not carry user info, a query or a fragment", cfg.URL)
	}
	path := cfg.Path
	if path == "" {
		path = DefaultPath
	} else if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if strings.ContainsAny(path, "?# ") {
		bad("Config.Path %q must be a plain path", cfg.Path)
	}
	if strings.TrimSpace(cfg.Issuer) == "" {
		bad("Config.Issuer is empty")
	}
	switch {
	case len(cfg.Key) == 0:
		bad("Config.Key is empty (decode the base64 signing key with DecodeKey)")
	case len(cfg.Key) < MinKeySize:
		bad("Config.Key is %d bytes; signing keys are at least %d", len(cfg.Key), MinKeySize)
	}
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		bad("Config.Timeout %s is negative", timeout)
	case timeout == 0:
		timeout = DefaultTimeout
	}
	mode := cfg.FailMode
	switch mode {
	case "":
		mode = FailClosed
	case FailOpen, FailClosed:
	default:
		bad("Config.FailMode %q is not %q or %q", cfg.FailMode, FailOpen, FailClosed)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}

	endpoint := *u
	endpoint.Path = strings.TrimRight(u.Path, "/") + path
	endpoint.RawPath = ""
	audience := cfg.Audience
	if audience == "" {
		audience = cfg.URL
	}
	integration := cfg.IntegrationType
	if integration == "" {
		integration = DefaultIntegrationType
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		endpoint:        endpoint.String(),
		issuer:          cfg.Issuer,
		audience:        audience,
		key:             token.Key{Algorithm: token.HS256, Secret: bytes.Clone(cfg.Key)},
		timeout:         timeout,
		failMode:        mode,
		integrationType: integration,
		http:            hc,
		now:             now,
	}, nil
}

// FailMode returns the client's fail mode.
func (c *Client) FailMode() FailMode { return c.failMode }

// checkRequest is the lock-check body.
type checkRequest struct {
	UserIP          string `json:"userIP"`
	UserDevice      string `json:"userDevice"`
	UserLocation    string `json:"userLocation"`
	IntegrationType string `json:"integrationType"`
	IntegrationData any    `json:"integrationData"`
	Peek            bool   `json:"peek,omitempty"`
}

// Check asks the server whether account is locked. It returns a Decision
// only when the server decided; otherwise the error wraps ErrUndecided (or
// ErrInput for bad arguments). ctx may shorten, but not extend, the
// configured timeout.
func (c *Client) Check(ctx context.Context, account string, cc Context) (Decision, error) {
	if account == "" {
		return Decision{}, fmt.Errorf("%w: account name is empty", ErrInput)
	}
	body, err := json.Marshal(checkRequest{
		UserIP:          cc.IP,
		UserDevice:      cc.Device,
		UserLocation:    cc.Location,
		IntegrationType: c.integrationType,
		IntegrationData: cc.IntegrationData,
		Peek:            cc.Peek,
	})
	if err != nil {
		return Decision{}, fmt.Errorf("%w: integration data: %w", ErrInput, err)
	}
	now := c.now()
	raw, err := token.Mint(c.key, token.Claims{
		Issuer:    c.issuer,
		Subject:   account,
		Audience:  []string{c.audience},
		IssuedAt:  now.Add(-tokenBackdate),
		ExpiresAt: now.Add(tokenLifetime),
	})
	if err != nil { // unreachable with a validated config
		return Decision{}, fmt.Errorf("%w: %w", ErrInput, err)
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUndecided, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "deadbolt-go-client")
	req.Header.Set(TokenHeader, raw)

	resp, err := c.http.Do(req)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUndecided, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return Decision{}, fmt.Errorf("%w: reading the answer: %w", ErrUndecided, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Decision{}, httpError(resp, b[:min(len(b), MaxResponseSize)])
	}
	if len(b) > MaxResponseSize {
		return Decision{}, fmt.Errorf("%w: answer is larger than %d bytes", ErrUndecided, MaxResponseSize)
	}
	return decodeDecision(b)
}

// decodeDecision reads a 200 answer. "locked" must be a JSON boolean; the
// other fields are informational and ignored when they are not strings.
func decodeDecision(b []byte) (Decision, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return Decision{}, fmt.Errorf("%w: answer is not a JSON object", ErrUndecided)
	}
	var d Decision
	switch string(fields["locked"]) {
	case "true":
		d.Locked = true
	case "false":
	case "":
		return Decision{}, fmt.Errorf("%w: answer has no \"locked\"", ErrUndecided)
	default:
		return Decision{}, fmt.Errorf("%w: answer's \"locked\" is %.20s, not a JSON boolean", ErrUndecided, fields["locked"])
	}
	d.Status = stringField(fields, "status")
	d.Message = stringField(fields, "message")
	d.SessionID = stringField(fields, "sessionID")
	return d, nil
}

func stringField(fields map[string]json.RawMessage, name string) string {
	var s string
	if json.Unmarshal(fields[name], &s) != nil {
		return ""
	}
	return s
}

// httpError builds the *HTTPError for a non-200 answer.
func httpError(resp *http.Response, b []byte) error {
	e := &HTTPError{Status: resp.StatusCode}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &body) == nil && (body.Error != "" || body.Message != "") {
		e.Code, e.Message = body.Error, body.Message
	} else {
		e.Message = snippet(b)
	}
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// snippet is the start of a non-JSON body, for error messages.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		b = b[:max]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// Allow checks account and applies the fail mode: it reports whether the
// attempt may proceed. A decided check allows exactly when the account is
// unlocked. An undecided check (ErrUndecided) allows only under FailOpen;
// an ErrInput error always denies. The error is returned in both cases so
// the caller can log it.
func (c *Client) Allow(ctx context.Context, account string, cc Context) (bool, Decision, error) {
	d, err := c.Check(ctx, account, cc)
	switch {
	case err == nil:
		return !d.Locked, d, nil
	case errors.Is(err, ErrUndecided):
		return c.failMode == FailOpen, Decision{}, err
	default:
		return false, Decision{}, err
	}
}
