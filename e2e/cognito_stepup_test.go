package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
)

// TestCognitoStepUp runs the Define → Create → Verify → Define sequence of
// deadbolt's Cognito custom-auth triggers, as Cognito event JSON through
// the local Invoke API, against the OpenID provider of a real serve, with
// a software passkey as the person in the web client's popup.
func TestCognitoStepUp(t *testing.T) {
	in := newInst(t)
	in.start()
	const app = "https://wiki.acme.test"
	tab, key := in.ownerSignsIn(in.tenantWithOwner("acme", "owner@acme.test"), "owner@acme.test")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", app)
	in.ok("account", "enroll", "--app", app, "--account", "olive", "--owner", "owner@acme.test")
	redirect := "http://127.0.0.1:9/stepup-done"
	conf := in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "cognito", "--app", app,
		"--redirect-uri", redirect, "--json").json(t)
	cfg := cognito.StepUpConfig{Issuer: tab.Base, ClientID: conf["client_id"].(string), ClientSecret: conf["client_secret"].(string),
		RedirectURI: redirect, ACRValues: []string{acrPasskey}, MaxAttempts: 1, AccountAttribute: "email",
		HTTP: egress.Policy{AllowPrivate: true}.Client(10 * time.Second)} // tests allow loopback explicitly
	strict := cfg
	strict.ACRValues = []string{acrPasskeyUnlocked}
	// The same triggers as the Lambda builds them (cognito.FromEnv), with
	// the client secret in a Secrets Manager secret on moto's server: the
	// right secret, and a secret holding a wrong one.
	moto, err := awstest.Start()
	if err != nil {
		t.Fatalf("moto (python3 -m moto.server) is needed: %v", err)
	}
	t.Cleanup(moto.Close)
	moto.Setenv(t)
	fromEnv := func(secretValue string) lambda.Handler {
		t.Helper()
		out, err := moto.SecretsManager().CreateSecret(awstest.Context(t), &secretsmanager.CreateSecretInput{
			Name: aws.String("deadbolt/stepup-" + ids.New()), SecretString: aws.String(secretValue)})
		if err != nil {
			t.Fatal(err)
		}
		_, signingKey := awstest.Key()
		env := map[string]string{"API_URI": tab.Base, "APP_URI": app, "SIGNING_KEY": signingKey, "ACCOUNT_ATTRIBUTE": "email",
			"STEPUP_ISSUER": tab.Base, "STEPUP_CLIENT_ID": cfg.ClientID, "STEPUP_SECRET_ARN": *out.ARN,
			"STEPUP_REDIRECT_URI": redirect, "ACR_VALUES": acrPasskey, "STEPUP_ALLOW_PRIVATE": "true"}
		h, err := cognito.FromEnv(awstest.Context(t), func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return os.Getenv(k) // the AWS SDK's variables, pointing at moto
		}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	srv := httptest.NewServer((&invoke.Server{Log: slog.New(slog.DiscardHandler), Functions: map[string]lambda.Handler{
		"stepup":          lambda.NewHandler(cognito.NewStepUp(cfg, nil).Handle),
		"stepup-strict":   lambda.NewHandler(cognito.NewStepUp(strict, nil).Handle),
		"stepup-sm":       fromEnv(`{"STEPUP_CLIENT_SECRET": "` + cfg.ClientSecret + `"}`),
		"stepup-sm-wrong": fromEnv("not-the-client-secret"),
	}}).Handler())
	t.Cleanup(srv.Close)

	call := func(fn string, event, out any) {
		t.Helper()
		b, _ := json.Marshal(event)
		res, err := http.Post(srv.URL+"/2015-03-31/functions/"+fn+"/invocations", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("X-Amz-Function-Error") != "" {
			t.Fatalf("invoke %s: %d %s", fn, res.StatusCode, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("invoke %s: %v: %s", fn, err, body)
		}
	}
	hdr := func(trigger string) events.CognitoEventUserPoolsHeader {
		return events.CognitoEventUserPoolsHeader{Version: "1", TriggerSource: trigger, Region: "eu-west-1",
			UserPoolID: "eu-west-1_TEST", UserName: "olive-cognito",
			CallerContext: events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: "aws-sdk-js-3", ClientID: "webclient"}}
	}
	attrs := map[string]string{"email": "owner@acme.test", "sub": "0d1e-cognito"}
	type result = events.CognitoEventUserPoolsChallengeResult
	define := func(session ...*result) events.CognitoEventUserPoolsDefineAuthChallengeResponse {
		t.Helper()
		var out events.CognitoEventUserPoolsDefineAuthChallenge
		call("stepup", events.CognitoEventUserPoolsDefineAuthChallenge{CognitoEventUserPoolsHeader: hdr(cognito.TriggerDefineAuthChallenge),
			Request: events.CognitoEventUserPoolsDefineAuthChallengeRequest{UserAttributes: attrs, Session: session}}, &out)
		return out.Response
	}
	srp := &result{ChallengeName: "SRP_A", ChallengeResult: true}
	password := &result{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true}
	custom := func(ok bool) *result {
		return &result{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: ok, ChallengeMetadata: cognito.StepUpMetadata}
	}
	// create asks for a challenge; the person completes it in the popup;
	// the web client's answer is the query of the redirect it receives.
	create := func() (answer string, private map[string]string) {
		t.Helper()
		var out events.CognitoEventUserPoolsCreateAuthChallenge
		call("stepup", events.CognitoEventUserPoolsCreateAuthChallenge{CognitoEventUserPoolsHeader: hdr(cognito.TriggerCreateAuthChallenge),
			Request: events.CognitoEventUserPoolsCreateAuthChallengeRequest{UserAttributes: attrs, ChallengeName: "CUSTOM_CHALLENGE",
				Session: []*result{srp, password}}}, &out)
		u, err := url.Parse(out.Response.PublicChallengeParameters[cognito.ParamURL])
		p := out.Response.PrivateChallengeParameters
		if err != nil || u.Query().Get("acr_values") != acrPasskey || u.Query().Get("code_challenge") == "" ||
			u.Query().Get("state") != p[cognito.ParamState] || u.Query().Get("nonce") != p[cognito.ParamNonce] ||
			p[cognito.ParamVerifier] == "" || u.Query().Has("code_verifier") || out.Response.ChallengeMetadata != cognito.StepUpMetadata {
			t.Fatalf("create: %+v", out.Response)
		}
		res, err := noFollow.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		next, err := stepUp(t, tab, key, started{location: res.Header.Get("Location"), status: res.StatusCode})
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := follow(t, tab.Base, next)
		back, err := url.Parse(loc)
		if err != nil || back.Query().Get("code") == "" {
			t.Fatalf("no code in the redirect to the web client: %q", loc)
		}
		return back.RawQuery, p
	}
	verify := func(fn, answer string, private map[string]string, who map[string]string) bool {
		t.Helper()
		var out events.CognitoEventUserPoolsVerifyAuthChallenge
		call(fn, events.CognitoEventUserPoolsVerifyAuthChallenge{CognitoEventUserPoolsHeader: hdr(cognito.TriggerVerifyAuthChallenge),
			Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{UserAttributes: who,
				PrivateChallengeParameters: private, ChallengeAnswer: answer}}, &out)
		return out.Response.AnswerCorrect
	}

	t.Run("define: password, then the challenge", func(t *testing.T) {
		if r := define(srp); r.ChallengeName != "PASSWORD_VERIFIER" || r.IssueTokens || r.FailAuthentication {
			t.Fatalf("after SRP_A: %+v", r)
		}
		if r := define(srp, password); r.ChallengeName != "CUSTOM_CHALLENGE" || r.IssueTokens || r.FailAuthentication {
			t.Fatalf("after the password: %+v", r)
		}
		if r := define(srp, &result{ChallengeName: "PASSWORD_VERIFIER"}); !r.FailAuthentication || r.IssueTokens {
			t.Fatalf("after a wrong password: %+v", r)
		}
		if r := define(); !r.FailAuthentication {
			t.Fatalf("without a password: %+v", r)
		}
	})

	t.Run("a correct code, then tokens; the code again is refused", func(t *testing.T) {
		answer, p := create()
		if !verify("stepup", answer, p, attrs) {
			t.Fatal("a correct answer was refused")
		}
		if verify("stepup", answer, p, attrs) {
			t.Fatal("a code was accepted twice")
		}
		if r := define(srp, password, custom(true)); !r.IssueTokens || r.FailAuthentication {
			t.Fatalf("after a verified challenge: %+v", r)
		}
	})

	t.Run("the client secret from Secrets Manager (STEPUP_SECRET_ARN)", func(t *testing.T) {
		answer, p := create()
		if verify("stepup-sm-wrong", answer, p, attrs) {
			t.Fatal("a code was exchanged with the wrong secret from Secrets Manager")
		}
		answer, p = create()
		if !verify("stepup-sm", answer, p, attrs) {
			t.Fatal("the Lambda's triggers with the secret from Secrets Manager refused a correct answer")
		}
	})

	t.Run("wrong nonce", func(t *testing.T) {
		answer, p := create()
		p[cognito.ParamNonce] = "other-nonce"
		if verify("stepup", answer, p, attrs) {
			t.Fatal("an id_token with another nonce was accepted")
		}
	})

	t.Run("wrong state", func(t *testing.T) {
		answer, p := create()
		q, _ := url.ParseQuery(answer)
		q.Set("state", "forged")
		if verify("stepup", q.Encode(), p, attrs) {
			t.Fatal("an answer with another state was accepted")
		}
	})

	t.Run("wrong acr", func(t *testing.T) {
		answer, p := create()
		if verify("stepup-strict", answer, p, attrs) {
			t.Fatal("acr passkey was accepted where passkey+unlocked is required")
		}
	})

	t.Run("another user's code", func(t *testing.T) {
		answer, p := create()
		if verify("stepup", answer, p, map[string]string{"email": "mallory@acme.test"}) {
			t.Fatal("another user's step-up was accepted")
		}
	})

	t.Run("define fails after a wrong answer (MAX_ATTEMPTS=1)", func(t *testing.T) {
		if r := define(srp, password, custom(false)); !r.FailAuthentication || r.IssueTokens {
			t.Fatalf("after a wrong answer: %+v", r)
		}
	})
}
