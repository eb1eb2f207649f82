package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/deadbolt-dev/deadbolt/internal/aws/cognito"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
)

// The web client of docs/integrations/cognito-stepup.md: the files its
// code blocks show.
const webClientDir = "../docs/integrations/cognito-stepup/"

// TestStepUpWebClientDocumented: the doc's code blocks are the files the
// browser test serves, so the snippet readers copy is the one tested.
func TestStepUpWebClientDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/integrations/cognito-stepup.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string // the fenced blocks' contents
	for i, part := range strings.Split(string(doc), "\n```") {
		if i%2 == 1 {
			_, code, _ := strings.Cut(part, "\n") // after the fence's language
			blocks = append(blocks, code)
		}
	}
	for _, name := range []string{"stepup.js", "stepup-done.html"} {
		file, err := os.ReadFile(webClientDir + name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range blocks {
			found = found || strings.TrimSpace(b) == strings.TrimSpace(string(file))
		}
		if !found {
			t.Errorf("docs/integrations/cognito-stepup.md has no code block that is %s as served: copy the file into the doc", name)
		}
	}
}

// TestStepUpBrowser runs the documented web client in real Chromium with
// a virtual passkey authenticator: on a loopback origin registered as the
// client's --frame-origin, deadbolt's step-up page runs inside the
// client's iframe, the person confirms with their passkey there, and the
// answer the client hands back passes the Cognito Verify trigger. A page
// on an origin that is not registered cannot frame the step-up page (CSP
// frame-ancestors).
func TestStepUpBrowser(t *testing.T) {
	chromium(t)
	in := newInst(t)
	in.start()
	link := in.tenantWithOwner("acme", "owner@acme.test")
	base := link[:strings.Index(link, "/setup?")] // the portal: localhost, as passkeys need a domain
	const app = "https://wiki.acme.test"
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", app)
	in.ok("account", "enroll", "--app", app, "--account", "olive", "--owner", "owner@acme.test")

	// The web client: the doc's two files on a loopback origin, and a
	// sign-in page that calls deadboltStepUp with the challenge's URL.
	client := http.NewServeMux()
	client.Handle("/stepup.js", http.FileServer(http.Dir(webClientDir)))
	client.Handle("/stepup-done.html", http.FileServer(http.Dir(webClientDir)))
	client.HandleFunc("/signin.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>Web client</title>
<script src="/stepup.js"></script>
<div id="stepup"></div><pre id="answer"></pre><pre id="failed"></pre>
<script>
  deadboltStepUp(new URLSearchParams(location.search).get("url"), { container: document.getElementById("stepup") })
    .then(function (a) { document.getElementById("answer").textContent = a; },
          function (e) { document.getElementById("failed").textContent = e.message; });
</script>`)
	})
	web := httptest.NewServer(client)
	t.Cleanup(web.Close)
	// A page on another origin (another port) that frames the step-up.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Another site</title>
<iframe id="f" allow="publickey-credentials-get" src="%s"></iframe>
<script>document.getElementById("f").addEventListener("load", function () { document.body.dataset.framed = "loaded"; });</script>`,
			strings.ReplaceAll(r.URL.Query().Get("url"), `"`, "&quot;"))
	}))
	t.Cleanup(other.Close)

	redirect := web.URL + "/stepup-done.html"
	conf := in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "web", "--app", app,
		"--redirect-uri", redirect, "--frame-origin", web.URL, "--json").json(t)
	triggers := cognito.NewStepUp(cognito.StepUpConfig{Issuer: base, ClientID: conf["client_id"].(string),
		ClientSecret: conf["client_secret"].(string), RedirectURI: redirect, ACRValues: []string{acrPasskey},
		AccountAttribute: "email", HTTP: egress.Policy{AllowPrivate: true}.Client(10 * time.Second)}, nil)
	hdr := func(trigger string) events.CognitoEventUserPoolsHeader {
		return events.CognitoEventUserPoolsHeader{Version: "1", TriggerSource: trigger, Region: "eu-west-1",
			UserPoolID: "eu-west-1_TEST", UserName: "olive-cognito"}
	}
	attrs := map[string]string{"email": "owner@acme.test"}
	handle := func(event any) json.RawMessage {
		t.Helper()
		raw, _ := json.Marshal(event)
		out, err := triggers.Handle(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out)
		return b
	}
	challenge := func() (string, map[string]string) {
		t.Helper()
		var out events.CognitoEventUserPoolsCreateAuthChallenge
		json.Unmarshal(handle(events.CognitoEventUserPoolsCreateAuthChallenge{CognitoEventUserPoolsHeader: hdr(cognito.TriggerCreateAuthChallenge),
			Request: events.CognitoEventUserPoolsCreateAuthChallengeRequest{UserAttributes: attrs, ChallengeName: "CUSTOM_CHALLENGE"}}), &out)
		u := out.Response.PublicChallengeParameters[cognito.ParamURL]
		if u == "" {
			t.Fatalf("no challenge URL: %+v", out.Response)
		}
		return u, out.Response.PrivateChallengeParameters
	}

	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	b := newBrowser(t, ctx)
	// The person's device: a tab whose authenticator this test knows.
	tab, cancelTab := chromedp.NewContext(b.ctx)
	defer cancelTab()
	device := b.authenticator(tab)
	b.do(tab, "register the owner's passkey", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("create")),
		chromedp.SetValue(chromedp.ID("name"), "Test laptop"), chromedp.Click(chromedp.ID("create")),
		chromedp.WaitVisible(chromedp.ID("live")))

	// In the registered origin's iframe.
	stepURL, private := challenge()
	b.do(tab, "open the web client", chromedp.Navigate(web.URL+"/signin.html?url="+url.QueryEscape(stepURL)),
		chromedp.WaitVisible(chromedp.CSS("#stepup iframe")))
	frame, framed := b.frame(tab, base+"/stepup?")
	// Chrome asks the iframe's own target for the passkey: give it the
	// same device (the same credential).
	copyPasskeys(t, tab, device, frame, b.authenticator(frame))
	b.do(frame, "confirm in the iframe", chromedp.WaitVisible(chromedp.ID("stepup")), chromedp.Click(chromedp.ID("stepup")))
	b.do(tab, "the answer reaches the web client", chromedp.WaitVisible(chromedp.CSS("#answer:not(:empty), #failed:not(:empty)")))
	b.shot(tab, "stepup-webclient")
	answer := b.text(tab, "#answer")
	if failed := b.text(tab, "#failed"); failed != "" {
		t.Fatalf("the web client's step-up failed: %s", failed)
	}
	if q, err := url.ParseQuery(answer); err != nil || q.Get("code") == "" || q.Get("state") != private[cognito.ParamState] {
		t.Fatalf("the web client's answer %q", answer)
	}
	var verified events.CognitoEventUserPoolsVerifyAuthChallenge
	json.Unmarshal(handle(events.CognitoEventUserPoolsVerifyAuthChallenge{CognitoEventUserPoolsHeader: hdr(cognito.TriggerVerifyAuthChallenge),
		Request: events.CognitoEventUserPoolsVerifyAuthChallengeRequest{UserAttributes: attrs,
			PrivateChallengeParameters: private, ChallengeAnswer: answer}}), &verified)
	if !verified.Response.AnswerCorrect {
		t.Fatal("Verify refused the answer the web client got in the iframe")
	}

	// On an origin that is not registered, the frame stays empty.
	stepURL, _ = challenge()
	b.do(tab, "open another site that frames the step-up", chromedp.Navigate(other.URL+"/?url="+url.QueryEscape(stepURL)),
		chromedp.WaitVisible(chromedp.CSS("body[data-framed=loaded]")))
	b.shot(tab, "stepup-other-origin")
	// Chrome shows its own error page in the frame instead ("refused to
	// connect"); the frame may or may not be a target of its own.
	for _, f := range stepFrames(t, tab, base+"/stepup?") {
		if f.TargetID == framed { // the first page's frame may linger in the list
			continue
		}
		fctx, cancelFrame := chromedp.NewContext(tab, chromedp.WithTargetID(f.TargetID))
		shown, err := chromedp.Run(fctx, chromedp.Evaluate[string](`location.href`))
		cancelFrame()
		if err != nil || !strings.HasPrefix(shown, "chrome-error:") {
			t.Fatalf("a page on an unregistered origin framed the step-up page: the frame shows %q (%v)", shown, err)
		}
	}
}

// copyPasskeys adds the credentials of authenticator from (in the target
// of fromCtx) to authenticator to (in the target of toCtx).
func copyPasskeys(t *testing.T, fromCtx context.Context, from webauthn.AuthenticatorID, toCtx context.Context, to webauthn.AuthenticatorID) {
	t.Helper()
	creds, err := chromedp.Call(fromCtx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: from})
	if err != nil || len(creds.Credentials) == 0 {
		t.Fatalf("WebAuthn.getCredentials: %v (%d credentials)", err, len(creds.Credentials))
	}
	for _, c := range creds.Credentials {
		addCredential(t, toCtx, to, credential{CredentialID: c.CredentialID, IsResidentCredential: c.IsResidentCredential,
			RpID: c.RpID, PrivateKey: c.PrivateKey, UserHandle: c.UserHandle, SignCount: int(c.SignCount)})
	}
}

// credential is a passkey given to a virtual authenticator. cdproto's
// Credential sends fields this Chromium refuses; this sends the ones it
// needs.
type credential struct {
	CredentialID         []byte `json:"credentialId"`
	IsResidentCredential bool   `json:"isResidentCredential"`
	RpID                 string `json:"rpId"`
	PrivateKey           []byte `json:"privateKey"`
	UserHandle           []byte `json:"userHandle"`
	SignCount            int    `json:"signCount"`
}

// addCredential gives c to the virtual authenticator auth in the target
// of ctx (WebAuthn.addCredential).
func addCredential(t *testing.T, ctx context.Context, auth webauthn.AuthenticatorID, c credential) {
	t.Helper()
	type params struct {
		AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
		Credential      credential               `json:"credential"`
	}
	cmd := cdp.Command[params, struct{}]{Method: webauthn.CommandAddCredential}
	if _, err := chromedp.Call(ctx, cmd, params{AuthenticatorID: auth, Credential: c}); err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
}

// stepFrames lists the iframe targets showing a page whose URL starts
// with prefix.
func stepFrames(t *testing.T, ctx context.Context, prefix string) []*target.Info {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*target.Info
	for _, info := range infos {
		if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
			out = append(out, info)
		}
	}
	return out
}

// frame returns a context attached to the page's cross-site iframe whose
// URL starts with prefix (Chrome runs it in its own process, as a target
// of its own), waiting for it to appear.
func (b *browser) frame(ctx context.Context, prefix string) (context.Context, target.ID) {
	b.t.Helper()
	for {
		if f := stepFrames(b.t, ctx, prefix); len(f) > 0 {
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(f[0].TargetID))
			b.t.Cleanup(cancel)
			return fctx, f[0].TargetID
		}
		select {
		case <-ctx.Done():
			b.t.Fatalf("no iframe at %s appeared", prefix)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
