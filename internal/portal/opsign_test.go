package portal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// postCeremony posts body as JSON to path as the portal's script does and
// returns the status and the answer.
func postCeremony(t *testing.T, c *softkey.Client, path string, body any) (int, []byte) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.Base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// TestSignOperation: an approval request for an operation whose template
// says sign_and_approve (2 of carol and dave) is decided in the portal by
// the approvers' passkeys, over HTTP: the inbox links to its sign page,
// which shows the filled text; a plain vote, a foreign credential and a
// signature over another statement are refused and store nothing; two
// signed approvals approve it; the evidence the portal serves is version 2,
// verifies offline pinned to their keys, and fails once a byte of the
// text changes. A member who is not an approver, the member it is about
// (for voting) and another tenant's admin are refused on every route.
func TestSignOperation(t *testing.T) {
	e, base, approvals := servedWithApprovals(t)
	approvals.Verifier = approval.PasskeyVerifier{Passkeys: e.portal.Passkeys()}
	ctx := context.Background()
	carol := e.enrol(base, e.alice.TenantID, "carol@acme.test", store.RoleApprover)
	dave := e.enrol(base, e.alice.TenantID, "dave@acme.test", store.RoleApprover)
	if _, err := e.admin.CreateTemplate(ctx, "test", e.alice.TenantID, admin.NewTemplate{Key: "PAYMENT", Title: "Payment",
		Text: "Pay ${amount} to ${payee}", Approvers: []string{"carol@acme.test", "dave@acme.test"}, Mode: store.ModeSignAndApprove, Approvals: 2}); err != nil {
		t.Fatal(err)
	}
	o, err := approvals.AskOperation(ctx, e.app, "alice", approval.OperationAsk{Template: "PAYMENT",
		MetaData: map[string]string{"amount": "120 EUR", "payee": "ACME <Tools>"}})
	if err != nil {
		t.Fatal(err)
	}
	opPath := "/approvals/ops/" + o.ID
	signPath := opPath + "/sign"
	sign := func(p person, k *softkey.Key, decision string) (string, error) {
		return p.tab.Assert(ctx, k, signPath+"/begin", signPath+"/finish", map[string]string{"decision": decision})
	}
	votes := func() []store.Vote {
		t.Helper()
		v, err := e.store.OperationVotes(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var se *softkey.StatusError

	code, body := page(t, carol.tab, "/approvals")
	if code != http.StatusOK || !strings.Contains(body, `href="`+signPath+`"`) || strings.Contains(body, `action="`+opPath+`/vote"`) {
		t.Fatalf("carol's inbox: %d, want a link to the sign page and no plain vote\n%s", code, body)
	}
	code, body = page(t, carol.tab, signPath)
	if code != http.StatusOK || !strings.Contains(body, "Pay 120 EUR to ACME &lt;Tools&gt;") || !strings.Contains(body, "Approve and sign") ||
		!strings.Contains(body, `data-begin="`+signPath+`/begin"`) {
		t.Fatalf("carol's sign page: %d\n%s", code, body)
	}
	// A plain vote cannot decide a sign_and_approve request.
	res, err := carol.tab.PostForm(ctx, opPath+"/vote", url.Values{"decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || len(votes()) != 0 {
		t.Fatalf("carol's unsigned vote: %d, %d votes; want 403 and none", res.StatusCode, len(votes()))
	}

	// bob is a member of the tenant but no approver and not the subject.
	bobTab, bobKey := e.setupMember(base, e.bob)
	bob := person{m: e.bob, tab: bobTab, key: bobKey}
	// alice is the member the request is about: she may see it, not vote.
	aliceTab, aliceKey := e.setupMember(base, e.alice)
	alice := person{m: e.alice, tab: aliceTab, key: aliceKey}
	globex, _ := e.admin.CreateTenant(ctx, "test", "globex")
	eve := e.enrol(base, globex.ID, "eve@globex.test", store.RoleAdmin)
	for _, c := range []struct {
		who  person
		page int // the sign page's status
		sign int // begin's
	}{{bob, http.StatusNotFound, http.StatusForbidden}, {alice, http.StatusOK, http.StatusForbidden}, {eve, http.StatusNotFound, http.StatusNotFound}} {
		code, body := page(t, c.who.tab, signPath)
		if code != c.page || c.page == http.StatusNotFound && strings.Contains(body, "120 EUR") ||
			c.page == http.StatusOK && strings.Contains(body, "Approve and sign") {
			t.Fatalf("%s's sign page: %d, want %d\n%s", c.who.m.Email, code, c.page, body)
		}
		if _, err := sign(c.who, c.who.key, evidence.Approve); !errors.As(err, &se) || se.Code != c.sign {
			t.Fatalf("%s signs: %v, want %d", c.who.m.Email, err, c.sign)
		}
		if code, _ := postCeremony(t, c.who.tab, signPath+"/finish", map[string]any{"credential": map[string]any{}}); code/100 != 4 {
			t.Fatalf("%s finishes without beginning: %d", c.who.m.Email, code)
		}
		if code, _ := page(t, c.who.tab, opPath+"/evidence"); code != http.StatusNotFound {
			t.Fatalf("%s's evidence before any signature: %d, want 404", c.who.m.Email, code)
		}
	}
	if code, _ := page(t, eve.tab, "/approvals"); code != http.StatusOK {
		t.Fatalf("eve's inbox: %d", code)
	}

	// A foreign credential: carol's sign-in, dave's passkey.
	if _, err := sign(carol, dave.key, evidence.Approve); !errors.As(err, &se) || se.Code/100 != 4 {
		t.Fatalf("carol signs with dave's passkey: %v, want refused", err)
	}
	// A tampered statement: carol's passkey signs another statement than
	// the one begin issued (the amount changed).
	code, opts := postCeremony(t, carol.tab, signPath+"/begin", map[string]string{"decision": "approve"})
	if code != http.StatusOK {
		t.Fatalf("begin: %d %s", code, opts)
	}
	var o2 map[string]map[string]any
	if err := json.Unmarshal(opts, &o2); err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte(`{"amount":"12000 EUR"}`))
	o2["publicKey"]["challenge"] = base64.RawURLEncoding.EncodeToString(other[:])
	forged, _ := json.Marshal(o2)
	cred, err := carol.key.Get(forged)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := postCeremony(t, carol.tab, signPath+"/finish", map[string]any{"credential": json.RawMessage(cred)}); code/100 != 4 {
		t.Fatalf("a signature over another statement: %d %s, want refused", code, body)
	}
	if n := len(votes()); n != 0 {
		t.Fatalf("%d votes after refused signatures, want none", n)
	}

	if to, err := sign(carol, carol.key, evidence.Approve); err != nil || to != signPath+"?done=approve" {
		t.Fatalf("carol signs: %q, %v", to, err)
	}
	if got, _ := e.store.Operation(ctx, e.alice.TenantID, o.ID); got.Status != store.RequestPending {
		t.Fatalf("after one of two approvals: %s", got.Status)
	}
	if _, err := sign(carol, carol.key, evidence.Approve); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Fatalf("carol signs twice: %v, want 403", err)
	}
	if _, err := sign(dave, dave.key, evidence.Approve); err != nil {
		t.Fatalf("dave signs: %v", err)
	}
	if got, _ := e.store.Operation(ctx, e.alice.TenantID, o.ID); got.Status != store.RequestApproved {
		t.Fatalf("after two signed approvals: %s", got.Status)
	}
	if code, body := page(t, carol.tab, signPath+"?done=approve"); code != http.StatusOK || !strings.Contains(body, "signed approval was recorded") ||
		!strings.Contains(body, `href="`+opPath+`/evidence"`) || strings.Contains(body, "Approve and sign") {
		t.Fatalf("carol's sign page after the decision: %d\n%s", code, body)
	}

	for _, who := range []person{bob, eve} {
		if code, _ := page(t, who.tab, opPath+"/evidence"); code != http.StatusNotFound {
			t.Fatalf("%s downloads the evidence: %d, want 404", who.m.Email, code)
		}
	}
	if code, _ := page(t, alice.tab, opPath+"/evidence"); code != http.StatusOK {
		t.Fatalf("alice (the subject) downloads the evidence: %d", code)
	}
	res, err = carol.tab.Get(ctx, opPath+"/evidence")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	file, err := evidence.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("evidence download (%d): %v", res.StatusCode, err)
	}
	keys := fingerprints(carol, dave)
	got, err := evidence.Verify(file, evidence.Options{RPID: "localhost", Keys: keys})
	if err != nil {
		t.Fatalf("the downloaded evidence: %v", err)
	}
	if len(got) != 2 || got[0].Statement.V != evidence.VersionOperation || got[0].Statement.Template != "PAYMENT" ||
		got[0].Statement.Text != "Pay 120 EUR to ACME <Tools>" || got[0].Statement.MetaData["amount"] != "120 EUR" ||
		got[0].Statement.Approver != "carol@acme.test" || got[1].Statement.Approver != "dave@acme.test" ||
		got[0].Statement.Requester != "alice@acme.test" {
		t.Fatalf("verified: %+v", got)
	}
	if _, err := evidence.Verify(file, evidence.Options{RPID: "localhost", Keys: keys[:1]}); err == nil {
		t.Fatal("evidence verified with dave's key untrusted")
	}
	tampered, err := evidence.Read(bytes.NewReader(bytes.Replace(raw, []byte("120 EUR"), []byte("920 EUR"), 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Verify(tampered, evidence.Options{RPID: "localhost"}); err == nil {
		t.Fatal("evidence with the amount changed verified")
	}
	for _, v := range votes() {
		if v.Evidence == "" {
			t.Fatalf("an unsigned vote was stored: %+v", v)
		}
	}
}
