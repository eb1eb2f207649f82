package cognito

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Trigger sources of the custom authentication flow (step-up).
const (
	TriggerDefineAuthChallenge = "DefineAuthChallenge_Authentication"
	TriggerCreateAuthChallenge = "CreateAuthChallenge_Authentication"
	TriggerVerifyAuthChallenge = "VerifyAuthChallengeResponse_Authentication"
)

// Challenge names Cognito puts in the session.
const (
	challengeSRPA     = "SRP_A"
	challengePassword = "PASSWORD_VERIFIER"
	challengeCustom   = "CUSTOM_CHALLENGE"
)

// StepUpMetadata is the challengeMetadata of deadbolt's step-up challenge.
const StepUpMetadata = "DEADBOLT_STEPUP"

// Keys of the challenge parameters.
const (
	// ParamURL (public) is the authorization URL the web client opens in
	// a popup or iframe.
	ParamURL = "url"
	// ParamState, ParamNonce and ParamVerifier (private) are what Verify
	// checks the answer against.
	ParamState    = "state"
	ParamNonce    = "nonce"
	ParamVerifier = "verifier"
)

// StepUpConfig configures a StepUp.
type StepUpConfig struct {
	// Issuer is deadbolt's public URL, the OpenID provider's issuer.
	Issuer string
	// ClientID and ClientSecret are the confidential client made with
	// `deadbolt oidc client create`.
	ClientID, ClientSecret string
	// Secret, when set, returns the client secret instead of ClientSecret
	// (for a secret kept in Secrets Manager).
	Secret func(context.Context) (string, error)
	// RedirectURI is a redirect URI registered for the client: the web
	// client's page that hands the code back.
	RedirectURI string
	// ACRValues are asked for (acr_values) and the only acr accepted.
	ACRValues []string
	// MaxAttempts is how many wrong answers end the sign-in; 0 means 1.
	MaxAttempts int
	// AccountAttribute, when set, names the user attribute whose value is
	// the deadbolt account (for example "email"); otherwise the Cognito
	// user name is. The id_token's sub, preferred_username or email must
	// equal it.
	AccountAttribute string
	// HTTP makes the requests to deadbolt (discovery, JWKS, token); it
	// should come from egress.Policy.Client.
	HTTP *http.Client
}

// StepUp handles the three custom authentication triggers that make
// deadbolt's OpenID provider a step-up challenge in a Cognito sign-in. It
// is safe for concurrent use.
type StepUp struct {
	cfg StepUpConfig
	log *slog.Logger

	mu       sync.Mutex
	provider *gooidc.Provider // discovered on first use; caches the JWKS
}

// NewStepUp returns a StepUp. log may be nil.
func NewStepUp(cfg StepUpConfig, log *slog.Logger) *StepUp {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 1
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &StepUp{cfg: cfg, log: log}
}

// Handle dispatches one custom authentication trigger event.
func (s *StepUp) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	var hd header
	if err := json.Unmarshal(event, &hd); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	switch hd.TriggerSource {
	case TriggerDefineAuthChallenge:
		var e events.CognitoEventUserPoolsDefineAuthChallenge
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return s.Define(ctx, e), nil
	case TriggerCreateAuthChallenge:
		var e events.CognitoEventUserPoolsCreateAuthChallenge
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return s.Create(ctx, e)
	case TriggerVerifyAuthChallenge:
		var e events.CognitoEventUserPoolsVerifyAuthChallenge
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return s.Verify(ctx, e), nil
	}
	return nil, fmt.Errorf("%w: trigger source %.60q", ErrEvent, hd.TriggerSource)
}

// Define decides the next step: the password first (SRP), then deadbolt's
// challenge, then tokens; it fails the sign-in on a wrong password, an
// unknown user, or MaxAttempts wrong answers.
func (s *StepUp) Define(ctx context.Context, e events.CognitoEventUserPoolsDefineAuthChallenge) events.CognitoEventUserPoolsDefineAuthChallenge {
	r := &e.Response
	r.ChallengeName, r.IssueTokens, r.FailAuthentication = "", false, false
	fail := func(why string) events.CognitoEventUserPoolsDefineAuthChallenge {
		r.FailAuthentication = true
		s.log.InfoContext(ctx, "step-up sign-in failed", "userName", e.UserName, "reason", why)
		return e
	}
	sess := e.Request.Session
	if e.Request.UserNotFound {
		return fail("user not found")
	}
	if len(sess) == 0 || sess[0] == nil {
		return fail("no password step: use CUSTOM_AUTH with SRP_A")
	}
	last := sess[len(sess)-1]
	wrong := 0
	for _, c := range sess {
		if c != nil && c.ChallengeName == challengeCustom && !c.ChallengeResult {
			wrong++
		}
	}
	switch {
	case last.ChallengeName == challengeSRPA && len(sess) == 1:
		r.ChallengeName = challengePassword
	case last.ChallengeName == challengePassword && last.ChallengeResult:
		r.ChallengeName = challengeCustom
	case last.ChallengeName == challengeCustom && last.ChallengeResult:
		r.IssueTokens = true
		s.log.InfoContext(ctx, "step-up verified; tokens issued", "userName", e.UserName)
	case last.ChallengeName == challengeCustom && wrong < s.cfg.MaxAttempts:
		r.ChallengeName = challengeCustom
	case last.ChallengeName == challengeCustom:
		return fail("too many wrong step-up answers")
	default:
		return fail("unexpected challenge " + last.ChallengeName)
	}
	return e
}

// Create builds the authorization request to deadbolt: the URL in the
// public parameters, and state, nonce and PKCE verifier in the private
// ones.
func (s *StepUp) Create(ctx context.Context, e events.CognitoEventUserPoolsCreateAuthChallenge) (events.CognitoEventUserPoolsCreateAuthChallenge, error) {
	if e.Request.ChallengeName != challengeCustom {
		return e, fmt.Errorf("%w: Create for challenge %.40q", ErrEvent, e.Request.ChallengeName)
	}
	p, err := s.discover(ctx)
	if err != nil {
		return e, err
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", s.account(e.UserName, e.Request.UserAttributes))}
	if len(s.cfg.ACRValues) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", strings.Join(s.cfg.ACRValues, " ")))
	}
	e.Response.PublicChallengeParameters = map[string]string{ParamURL: s.oauth(p).AuthCodeURL(state, opts...)}
	e.Response.PrivateChallengeParameters = map[string]string{ParamState: state, ParamNonce: nonce, ParamVerifier: verifier}
	e.Response.ChallengeMetadata = StepUpMetadata
	return e, nil
}

// Verify exchanges the code in the answer ("code=…&state=…", the query of
// the redirect to the web client) and checks the id_token: signature,
// issuer, audience, expiry, nonce, acr and the user. Any failure is a
// wrong answer.
func (s *StepUp) Verify(ctx context.Context, e events.CognitoEventUserPoolsVerifyAuthChallenge) events.CognitoEventUserPoolsVerifyAuthChallenge {
	err := s.verify(ctx, e)
	e.Response.AnswerCorrect = err == nil
	if err != nil {
		s.log.InfoContext(ctx, "step-up answer refused", "userName", e.UserName, "reason", err.Error())
	}
	return e
}

func (s *StepUp) verify(ctx context.Context, e events.CognitoEventUserPoolsVerifyAuthChallenge) error {
	priv := e.Request.PrivateChallengeParameters
	answer, _ := e.Request.ChallengeAnswer.(string)
	q, err := url.ParseQuery(strings.TrimPrefix(answer, "?"))
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	code, state := q.Get("code"), q.Get("state")
	if code == "" || priv[ParamState] == "" || state != priv[ParamState] {
		return errors.New("answer: no code, or state does not match")
	}
	p, err := s.discover(ctx)
	if err != nil {
		return err
	}
	conf := s.oauth(p)
	if s.cfg.Secret != nil {
		if conf.ClientSecret, err = s.cfg.Secret(ctx); err != nil {
			return err
		}
	}
	tok, err := conf.Exchange(s.client(ctx), code, oauth2.VerifierOption(priv[ParamVerifier]))
	if err != nil {
		return fmt.Errorf("code exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&gooidc.Config{ClientID: s.cfg.ClientID}).Verify(s.client(ctx), raw)
	if err != nil {
		return fmt.Errorf("id_token: %w", err)
	}
	var c struct {
		Nonce, Acr, Email string
		PreferredUsername string `json:"preferred_username"`
	}
	if err := idt.Claims(&c); err != nil {
		return fmt.Errorf("id_token claims: %w", err)
	}
	if c.Nonce == "" || c.Nonce != priv[ParamNonce] {
		return errors.New("id_token: nonce does not match")
	}
	if len(s.cfg.ACRValues) > 0 && !slices.Contains(s.cfg.ACRValues, c.Acr) {
		return fmt.Errorf("id_token: acr %.80q not accepted", c.Acr)
	}
	if who := s.account(e.UserName, e.Request.UserAttributes); who != idt.Subject && who != c.PreferredUsername && who != c.Email {
		return errors.New("id_token: another user")
	}
	return nil
}

func (s *StepUp) account(userName string, attrs map[string]string) string {
	if s.cfg.AccountAttribute != "" && attrs[s.cfg.AccountAttribute] != "" {
		return attrs[s.cfg.AccountAttribute]
	}
	return userName
}

func (s *StepUp) client(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTP)
}

func (s *StepUp) oauth(p *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, RedirectURL: s.cfg.RedirectURI,
		Endpoint: p.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}}
}

// discover fetches the provider's discovery document once; the provider
// it returns caches the JWKS.
func (s *StepUp) discover(ctx context.Context) (*gooidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	// The provider keeps this context to fetch keys later: detach it
	// from the invocation's deadline.
	p, err := gooidc.NewProvider(gooidc.ClientContext(context.WithoutCancel(ctx), s.cfg.HTTP), s.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", s.cfg.Issuer, err)
	}
	s.provider = p
	return p, nil
}

func random() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// IsStepUpTrigger reports whether source is one of the custom
// authentication triggers StepUp handles.
func IsStepUpTrigger(source string) bool {
	return source == TriggerDefineAuthChallenge || source == TriggerCreateAuthChallenge || source == TriggerVerifyAuthChallenge
}
