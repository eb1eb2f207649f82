package aws

import (
	"bytes"
	"encoding/json"
	"testing"
)

const (
	cognitoIssuer = "https://cognito.example.com"
	lockedMessage = "Incorrect username or password, or the account is locked"
)

// TestCognitoPreAuthentication: a real deadbolt decides, the Cognito
// function (local mode, driven through the AWS SDK) refuses locked accounts
// with exactly LOCKED_MESSAGE and lets unlocked ones through; with deadbolt
// stopped it fails closed or open as configured.
func TestCognitoPreAuthentication(t *testing.T) {
	d := newDeadbolt(t)
	key := d.app("acme", cognitoIssuer)
	d.cli("account", "enroll", "--app", cognitoIssuer, "--account", "alice")
	d.start()
	env := func(mode string) []string {
		return []string{"API_URI=" + d.url, "APP_URI=" + cognitoIssuer, "SIGNING_KEY=" + key, "LOCKED_MESSAGE=" + lockedMessage,
			"CLIENT_ID=4b9f2c0hvq8l2p3example", "FAIL_MODE=" + mode, "TIMEOUT_MS=1000"}
	}
	closed := startLambda(t, binCognito, "deadbolt-cognito", env("closed"))
	open := startLambda(t, binCognito, "deadbolt-cognito-open", env("open"))
	event := fixture(t, "cognito/testdata/pre_authentication.json", "", "")

	denied := func(f *lambdaFn, what string) {
		t.Helper()
		out, fnErr := f.invoke(t, event)
		var e struct{ ErrorMessage, ErrorType string }
		json.Unmarshal(out, &e)
		if fnErr != "Unhandled" || e.ErrorMessage != lockedMessage {
			t.Fatalf("%s: %q %s; want the sign-in refused with LOCKED_MESSAGE", what, fnErr, out)
		}
	}
	allowed := func(f *lambdaFn, what string) {
		t.Helper()
		out, fnErr := f.invoke(t, event)
		var in, got any
		json.Unmarshal(event, &in)
		json.Unmarshal(out, &got)
		a, _ := json.Marshal(in)
		b, _ := json.Marshal(got)
		if fnErr != "" || !bytes.Equal(a, b) {
			t.Fatalf("%s: %q %s; want the event back", what, fnErr, out)
		}
	}

	denied(closed, "enrolled (locked)")
	d.cli("account", "unlock", "--app", cognitoIssuer, "--account", "alice", "--for", "15m")
	allowed(closed, "unlocked")
	post := fixture(t, "cognito/testdata/post_authentication.json", "", "")
	if out, fnErr := closed.invoke(t, post); fnErr != "" {
		t.Fatalf("PostAuthentication while unlocked: %s", out)
	}
	d.cli("account", "lock", "--app", cognitoIssuer, "--account", "alice")
	denied(open, "locked, fail-open function")

	// deadbolt stopped: connection refused.
	d.srv.stop()
	denied(closed, "deadbolt stopped, FAIL_MODE=closed")
	allowed(open, "deadbolt stopped, FAIL_MODE=open")
}
