package cognito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

func TestFromEnvInvalid(t *testing.T) {
	_, key := awstest.Key()
	ok := map[string]string{"API_URI": "https://deadbolt.example.com", "APP_URI": awstest.Issuer, "SIGNING_KEY": key}
	// FromEnv's errors name the variable, never the key's value.
	fromEnv := func(env lambdaenv.Env) error {
		_, err := cognito.FromEnv(context.Background(), env, slog.New(slog.DiscardHandler))
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("error leaks the key: %v", err)
		}
		return err
	}
	awstest.ExpectInvalidEnv(t, fromEnv, ok, []awstest.InvalidEnv{
		// nothing set
		{Change: map[string]string{"API_URI": "", "APP_URI": "", "SIGNING_KEY": ""}, Vars: []string{"API_URI", "APP_URI", "SIGNING_KEY"}},
		// bad url
		{Change: map[string]string{"API_URI": "deadbolt.example.com"}, Vars: []string{"API_URI"}},
		// bad path
		{Change: map[string]string{"API_PATH": "v1/check"}, Vars: []string{"API_PATH"}},
		// key not base64
		{Change: map[string]string{"SIGNING_KEY": "not base64!"}, Vars: []string{"SIGNING_KEY"}},
		// key too short
		{Change: map[string]string{"SIGNING_KEY": "c2hvcnQ="}, Vars: []string{"SIGNING_KEY"}},
		// both key sources
		{Change: map[string]string{"SIGNING_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"}, Vars: []string{"SIGNING_KEY"}},
		// bad secret arn
		{Change: map[string]string{"SIGNING_KEY": "", "SIGNING_KEY_SECRET_ARN": "my-secret"}, Vars: []string{"SIGNING_KEY_SECRET_ARN"}},
		// bad fail mode
		{Change: map[string]string{"FAIL_MODE": "sometimes"}, Vars: []string{"FAIL_MODE"}},
		// bad FAIL_OPEN
		{Change: map[string]string{"FAIL_OPEN": "perhaps"}, Vars: []string{"FAIL_OPEN"}},
		// timeout not a number
		{Change: map[string]string{"TIMEOUT_MS": "2s"}, Vars: []string{"TIMEOUT_MS"}},
		// timeout beyond Cognito
		{Change: map[string]string{"TIMEOUT_MS": "5000"}, Vars: []string{"TIMEOUT_MS"}},
		// multi-line message
		{Change: map[string]string{"LOCKED_MESSAGE": "a\nb"}, Vars: []string{"LOCKED_MESSAGE"}},
		// step-up incomplete
		{Change: map[string]string{"STEPUP_ISSUER": "https://deadbolt.example.com"},
			Vars: []string{"STEPUP_CLIENT_ID", "STEPUP_CLIENT_SECRET", "STEPUP_REDIRECT_URI"}},
		// step-up invalid
		{Change: map[string]string{"STEPUP_ISSUER": "deadbolt", "STEPUP_CLIENT_ID": "c", "STEPUP_CLIENT_SECRET": "s",
			"STEPUP_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s", "STEPUP_REDIRECT_URI": "/cb",
			"MAX_ATTEMPTS": "0", "STEPUP_ALLOW_PRIVATE": "maybe"},
			Vars: []string{"STEPUP_ISSUER", "STEPUP_CLIENT_SECRET", "STEPUP_REDIRECT_URI", "MAX_ATTEMPTS", "STEPUP_ALLOW_PRIVATE"}},
	})
	cfg, err := lambdaenv.LoadCognito(awstest.Env(map[string]string{"API_URI": "https://d.example.com", "APP_FQDN": "app.example.com",
		"SIGNING_KEY": key, "FAIL_OPEN": "true", "CLIENT_ID": " a , b ,", "TIMEOUT_MS": "800"}))
	if err != nil || cfg.AppURI != "app.example.com" || cfg.FailMode != "open" || len(cfg.ClientIDs) != 2 ||
		cfg.Timeout.Milliseconds() != 800 || cfg.LockedMessage != lambdaenv.DefaultLockedMessage {
		t.Fatalf("NL3-style env = %+v, %v", cfg, err)
	}
}

// serveInvoke serves the handler FromEnv builds through the local Invoke API.
func serveInvoke(t *testing.T, env map[string]string) string {
	t.Helper()
	h, err := cognito.FromEnv(context.Background(), awstest.Env(env), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&invoke.Server{Default: h, Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestInvokeAPI(t *testing.T) {
	lock := awstest.NewLockServer(t)
	lock.SetLocked("alice", true)
	_, key := awstest.Key()
	base := serveInvoke(t, map[string]string{"API_URI": lock.URL, "APP_URI": awstest.Issuer, "SIGNING_KEY": key,
		"LOCKED_MESSAGE": lockedMessage, "CLIENT_ID": "4b9f2c0hvq8l2p3example"})
	arn := "arn:aws:lambda:us-east-1:123456789012:function:deadbolt-preauth:live"
	post := func(event []byte) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, base+"/2015-03-31/functions/"+url.PathEscape(arn)+"/invocations", bytes.NewReader(event))
		req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, body := post(fixture(t, "pre_authentication.json"))
	var e struct{ ErrorMessage, ErrorType string }
	json.Unmarshal(body, &e)
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" ||
		e.ErrorMessage != lockedMessage || e.ErrorType != "Denial" {
		t.Fatalf("locked: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}
	// What Cognito would show the client.
	if got := "PreAuthentication failed with error " + e.ErrorMessage + "."; got != "PreAuthentication failed with error "+lockedMessage+"." {
		t.Fatal(got)
	}

	lock.SetLocked("alice", false)
	resp, body = post(fixture(t, "pre_authentication.json"))
	var in, out any
	json.Unmarshal(fixture(t, "pre_authentication.json"), &in)
	json.Unmarshal(body, &out)
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" || !jsonEqual(in, out) {
		t.Fatalf("unlocked: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}

	// The AWS SDK's Lambda client understands the same wire format.
	lc := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	lock.SetLocked("alice", true)
	res, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(arn), Payload: fixture(t, "pre_authentication.json")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(res.FunctionError) != "Unhandled" || !strings.Contains(string(res.Payload), `"errorMessage":"`+lockedMessage+`"`) {
		t.Fatalf("SDK Invoke (locked): %s %s", aws.ToString(res.FunctionError), res.Payload)
	}
	lock.SetLocked("alice", false)
	res, err = lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("deadbolt-preauth"), Payload: fixture(t, "post_authentication.json")})
	if err != nil || res.FunctionError != nil || res.StatusCode != 200 {
		t.Fatalf("SDK Invoke (unlocked): %v %v", err, res)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestSigningKeyFromSecretsManager(t *testing.T) {
	m := awstest.Shared(t)
	m.Setenv(t)
	ctx := awstest.Context(t)
	_, key := awstest.Key()
	out, err := m.SecretsManager().CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("deadbolt/cognito-test"), SecretString: aws.String(`{"SIGNING_KEY":"` + key + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	lock := awstest.NewLockServer(t)
	lock.SetLocked("alice", true)
	h, err := cognito.FromEnv(ctx, awstest.Env(map[string]string{"API_URI": lock.URL, "APP_URI": awstest.Issuer,
		"SIGNING_KEY_SECRET_ARN": aws.ToString(out.ARN), "LOCKED_MESSAGE": lockedMessage}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Invoke(ctx, fixture(t, "pre_authentication.json"))
	if err == nil || err.Error() != lockedMessage {
		t.Fatalf("with the key from Secrets Manager: %v", err)
	}
}

// With STEPUP_* set, the one function also answers the custom
// authentication triggers; without, it refuses them.
func TestFromEnvStepUpDispatch(t *testing.T) {
	_, key := awstest.Key()
	env := map[string]string{"API_URI": "https://deadbolt.example.com", "APP_URI": awstest.Issuer, "SIGNING_KEY": key}
	define := []byte(`{"version":"1","triggerSource":"DefineAuthChallenge_Authentication","region":"eu-west-1",
		"userPoolId":"eu-west-1_TEST","userName":"olive","callerContext":{"awsSdkVersion":"x","clientId":"c"},
		"request":{"userAttributes":{"email":"olive@example.com"},"session":[
			{"challengeName":"SRP_A","challengeResult":true,"challengeMetadata":""},
			{"challengeName":"PASSWORD_VERIFIER","challengeResult":true,"challengeMetadata":""}]},
		"response":{}}`)
	h, err := cognito.FromEnv(context.Background(), awstest.Env(env), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Invoke(context.Background(), define); !errors.Is(err, cognito.ErrEvent) {
		t.Fatalf("without STEPUP_ISSUER, Define = %v, want ErrEvent", err)
	}
	env["STEPUP_ISSUER"], env["STEPUP_CLIENT_ID"], env["STEPUP_CLIENT_SECRET"] = "https://deadbolt.example.com", "c", "s"
	env["STEPUP_REDIRECT_URI"], env["MAX_ATTEMPTS"] = "https://app.example.com/stepup-done", "3"
	cfg, err := lambdaenv.LoadCognito(awstest.Env(env))
	if err != nil || cfg.StepUp == nil || cfg.StepUp.MaxAttempts != 3 || len(cfg.StepUp.ACRValues) != 1 ||
		cfg.StepUp.ACRValues[0] != "urn:deadbolt:acr:passkey" || cfg.StepUp.AllowPrivate {
		t.Fatalf("LoadCognito = %+v, %v", cfg.StepUp, err)
	}
	h, err = cognito.FromEnv(context.Background(), awstest.Env(env), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), define)
	var got struct {
		Response struct {
			ChallengeName      string `json:"challengeName"`
			IssueTokens        bool   `json:"issueTokens"`
			FailAuthentication bool   `json:"failAuthentication"`
		} `json:"response"`
	}
	if err != nil || json.Unmarshal(out, &got) != nil || got.Response.ChallengeName != "CUSTOM_CHALLENGE" ||
		got.Response.IssueTokens || got.Response.FailAuthentication {
		t.Fatalf("Define = %s, %v", out, err)
	}
}
