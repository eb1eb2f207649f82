package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// TestApprovalRequestDecided: an application asks for an approval of an
// operation (NL3 POST /nl3/api/v1/approvalRequest, with its JWT) from a
// sign_and_approve template that needs 2 of carol and dave, against a real
// serve. Each approver signs in the portal with a software passkey over
// HTTP; the signed approval.decided webhook arrives at a receiver on
// loopback (the operator's allow_private) and verifies; the application's
// GET shows the decision and its signed votes; `deadbolt approval export`
// writes the evidence, which `deadbolt approval verify` checks offline,
// and a webhook that does not name approval.decided receives nothing.
func TestApprovalRequestDecided(t *testing.T) {
	in, key, public := portalInst(t)
	in.env = append(in.env, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true") // the receivers listen on loopback
	links := map[string]string{}
	for _, who := range []string{"carol", "dave"} {
		inv := in.ok("member", "invite", "--tenant", "acme", "--email", who+"@acme.test", "--role", "approver", "--public-url", public, "--json").json(t)
		links[who], _ = inv["link"].(string)
	}
	in.ok("template", "create", "--tenant", "acme", "--key", "PAYMENT", "--title", "Payment", "--text", "Pay ${amount} to ${payee}",
		"--approver", "carol@acme.test", "--approver", "dave@acme.test", "--mode", "sign_and_approve", "--approvals", "2")
	in.start("--public-url", public)

	got := make(chan webhook.ApprovalEvent, 10)
	var secret atomic.Value
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, _ := secret.Load().(string)
		if err := webhook.Verify(s, r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0); err != nil {
			t.Errorf("approval.decided signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.ApprovalEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("approval.decided body: %v\n%s", err, body)
		}
		got <- ev
	}))
	t.Cleanup(receiver.Close)
	hook := in.ok("webhook", "create", "--tenant", "acme", "--url", receiver.URL, "--events", webhook.TypeApprovalDecided, "--json").json(t)
	secret.Store(hook["secret"])
	// A webhook of the account events only: approval.decided never goes
	// to it.
	var stray atomic.Int32
	accounts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stray.Add(1) }))
	t.Cleanup(accounts.Close)
	in.ok("webhook", "create", "--tenant", "acme", "--url", accounts.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type approver struct {
		tab *softkey.Client
		key *softkey.Key
	}
	people := map[string]approver{}
	for _, who := range []string{"carol", "dave"} {
		tab, k := in.ownerSignsIn(links[who], who+"@acme.test") // any member's setup link signs in the same way
		people[who] = approver{tab, k}
	}

	tok := mintFor(t, in, key, "vendor-bot")
	code, ask := in.post("/nl3/api/v1/approvalRequest", tok, `{"templateId":"PAYMENT","metaData":{"amount":"120 EUR","payee":"ACME Tools"}}`)
	id, _ := ask["requestId"].(string)
	if code != http.StatusOK || id == "" || ask["status"] != "pending" {
		t.Fatalf("approvalRequest: %d %v", code, ask)
	}
	status := func() map[string]any { return approvalStatus(t, in, tok, id) }
	if st := status(); st["status"] != "pending" {
		t.Fatalf("before any vote: %v", st)
	}

	signPath := "/approvals/ops/" + id + "/sign"
	for _, who := range []string{"carol", "dave"} {
		p := people[who]
		res, err := p.tab.Get(ctx, signPath)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("Pay 120 EUR to ACME Tools")) {
			t.Fatalf("%s's sign page: %d\n%s", who, res.StatusCode, page)
		}
		if to, err := p.tab.Assert(ctx, p.key, signPath+"/begin", signPath+"/finish", map[string]string{"decision": "approve"}); err != nil ||
			to != signPath+"?done=approve" {
			t.Fatalf("%s signs: %q, %v", who, to, err)
		}
	}

	var ev webhook.ApprovalEvent
	select {
	case ev = <-got:
	case <-time.After(30 * time.Second):
		t.Fatalf("no approval.decided within 30s\n%s", in.srvLog)
	}
	if ev.Type != webhook.TypeApprovalDecided || ev.Tenant != "acme" || ev.Data.RequestID != id || ev.Data.Status != "approved" ||
		ev.Data.TemplateID != "PAYMENT" || ev.Data.Subject != "vendor-bot" || len(ev.Data.Decisions) != 2 ||
		!ev.Data.Decisions[0].Signed || !ev.Data.Decisions[1].Signed {
		t.Fatalf("approval.decided: %+v", ev)
	}
	st := status()
	ds, _ := st["decisions"].([]any)
	if st["status"] != "approved" || len(ds) != 2 {
		t.Fatalf("GET after the decision: %v", st)
	}
	for i, who := range []string{"carol@acme.test", "dave@acme.test"} {
		d, _ := ds[i].(map[string]any)
		if d["approver"] != who || d["decision"] != "approve" || d["signed"] != true {
			t.Fatalf("decision %d: %v", i, d)
		}
	}

	file := filepath.Join(t.TempDir(), "evidence.json")
	if err := os.WriteFile(file, []byte(in.ok("approval", "export", id).stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	// The outbox queued approval.decided once, to its receiver alone (the
	// account-events webhook got no message to deliver, now or later).
	var decided []string
	for _, d := range in.ok("delivery", "list", "--tenant", "acme", "--json").json(t)["deliveries"].([]any) {
		if d := d.(map[string]any); d["type"] == webhook.TypeApprovalDecided {
			decided = append(decided, d["to"].(string)+" "+d["state"].(string))
		}
	}
	if len(decided) != 1 || !strings.HasPrefix(decided[0], receiver.URL) || !strings.HasSuffix(decided[0], " delivered") || stray.Load() != 0 {
		t.Fatalf("approval.decided deliveries: %v; %d to the account-events webhook", decided, stray.Load())
	}
	in.stop()
	code, out := offline(t, "approval", "verify", "--rp-id", "localhost", file)
	if code != 0 || !strings.Contains(out, "valid, 2 signature(s) on request "+id) || !strings.Contains(out, "Pay 120 EUR to ACME Tools") ||
		!strings.Contains(out, "carol@acme.test") || !strings.Contains(out, "dave@acme.test") {
		t.Fatalf("offline verify: exit %d\n%s", code, out)
	}
	raw, _ := os.ReadFile(file)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	os.WriteFile(tampered, bytes.Replace(raw, []byte(`120 EUR`), []byte(`920 EUR`), 1), 0o600)
	if code, out := offline(t, "approval", "verify", tampered); code != 1 || !strings.Contains(out, "challenge does not match") {
		t.Fatalf("tampered evidence: exit %d\n%s", code, out)
	}
}

// approvalStatus is the application's GET /nl3/api/v1/approvalRequest/{id}
// with its token tok, which must answer 200.
func approvalStatus(t *testing.T, in *inst, tok, id string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, in.url+"/nl3/api/v1/approvalRequest/"+id, nil)
	req.Header.Set("x-nl3-authorization-token", tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET approvalRequest: %d %v", res.StatusCode, err)
	}
	return m
}
