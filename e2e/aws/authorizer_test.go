package aws

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
)

const authzIssuer = "https://api.acme.test"

// TestAuthorizerAgainstDeadbolt runs the real deadbolt-authorizer binary on
// the local Invoke API against a real `deadbolt serve`, with tokens from a
// local JWKS issuer. A lock made with the CLI reaches the authorizer's
// cache through deadbolt's real webhook, so the very next request after
// the webhook is delivered is refused although its answer was cached.
func TestAuthorizerAgainstDeadbolt(t *testing.T) {
	// The token issuer: a user pool's JWKS on loopback.
	idp := awstest.NewIDP(t)
	issuer := idp.URL + "/us-east-1_AbCdEf123"
	mint := func(user string) string {
		return idp.Sign(t, jwt.MapClaims{"iss": issuer, "sub": "u-" + user, "username": user,
			"client_id": "app-client", "token_use": "access", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	}

	d := newDeadbolt(t)
	key := d.app("acme", authzIssuer)
	d.cli("account", "enroll", "--app", authzIssuer, "--account", "alice")
	d.cli("account", "unlock", "--app", authzIssuer, "--account", "alice", "--for", "1h")
	fnAddr := freeAddr(t)
	hook := d.cliJSON("webhook", "create", "--tenant", "acme", "--url", "http://"+fnAddr+"/")
	secret, _ := hook["secret"].(string)
	d.start()
	fn := startLambdaAt(t, binAuthorizer, "deadbolt-authorizer", fnAddr, []string{
		"API_URI=" + d.url, "APP_URI=" + authzIssuer, "SIGNING_KEY=" + key,
		"JWT_ISSUER=" + issuer, "JWKS_URL=" + idp.URL + "/jwks.json", "JWT_AUDIENCE=app-client", "TOKEN_USE=access",
		"CACHE_SECONDS=300", "WEBHOOK_SECRET=" + secret, "FAIL_MODE=closed",
	})

	event, err := os.ReadFile("../../internal/aws/authorizer/testdata/http_api.json")
	if err != nil {
		t.Fatal(err)
	}
	ask := func() map[string]any {
		t.Helper()
		out, ferr := fn.invoke(t, bytes.ReplaceAll(event, []byte("{{TOKEN}}"), []byte(mint("alice"))))
		if ferr != "" {
			t.Fatalf("function error: %s", out)
		}
		var r map[string]any
		json.Unmarshal(out, &r)
		return r
	}
	if r := ask(); r["isAuthorized"] != true {
		t.Fatalf("unlocked alice: %v", r)
	}
	// The REST API events (TOKEN and REQUEST) answer with an IAM policy.
	restEffect := func(fixture string) (string, map[string]any) {
		t.Helper()
		raw, err := os.ReadFile("../../internal/aws/authorizer/testdata/" + fixture + ".json")
		if err != nil {
			t.Fatal(err)
		}
		out, ferr := fn.invoke(t, bytes.ReplaceAll(raw, []byte("{{TOKEN}}"), []byte(mint("alice"))))
		if ferr != "" {
			t.Fatalf("%s: function error: %s", fixture, out)
		}
		var r struct {
			PolicyDocument struct{ Statement []struct{ Effect string } } `json:"policyDocument"`
			Context        map[string]any                                `json:"context"`
		}
		if err := json.Unmarshal(out, &r); err != nil || len(r.PolicyDocument.Statement) != 1 {
			t.Fatalf("%s: not an IAM policy answer: %s", fixture, out)
		}
		return r.PolicyDocument.Statement[0].Effect, r.Context
	}
	for _, fixture := range []string{"rest_token", "rest_request"} {
		if eff, _ := restEffect(fixture); eff != "Allow" {
			t.Fatalf("%s, unlocked alice: %s", fixture, eff)
		}
	}
	d.cli("account", "lock", "--app", authzIssuer, "--account", "alice")

	// The webhook arrives within the outbox's first delivery; until then
	// the cached answer may still allow, afterwards never.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(fn.p.log.String(), "webhook: cached answer dropped") {
		if time.Now().After(deadline) {
			t.Fatalf("deadbolt's webhook never reached the authorizer:\n%s", fn.p.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := ask()
	if r["isAuthorized"] != false {
		t.Fatalf("the first request after the lock's webhook was authorized: %v", r)
	}
	if ctx, _ := r["context"].(map[string]any); ctx["decidedBy"] != "deadbolt" || ctx["locked"] != true {
		t.Fatalf("context: %v", r)
	}
	for _, fixture := range []string{"rest_token", "rest_request"} {
		if eff, ctx := restEffect(fixture); eff != "Deny" || ctx["locked"] != true {
			t.Fatalf("%s, locked alice: %s %v", fixture, eff, ctx)
		}
	}
	var st map[string]any
	json.Unmarshal([]byte(d.cli("account", "status", "--app", authzIssuer, "--account", "alice", "--json")), &st)
	if st["locked"] != true {
		t.Fatalf("status: %v", st)
	}
}
