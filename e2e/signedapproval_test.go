package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSignedApprovalBrowser: "two of the finance approvers must sign with
// their passkeys": a policy that says sign, two approvers who registered
// passkeys in Chromium (virtual authenticators), an access request; a CLI
// approval is refused; each approver signs on the sign page; the account
// opens; `deadbolt approval export` writes the evidence, and
// `deadbolt approval verify` checks it on a machine with no database and
// no server, pinned to the RP ID; a tampered copy fails.
func TestSignedApprovalBrowser(t *testing.T) {
	chromium(t)
	in, _, public := portalInst(t)
	in.ok("account", "enroll", "--app", issuer, "--account", "treasury", "--owner", "alice@acme.test")
	in.ok("group", "create", "--tenant", "acme", "finance")
	links := map[string]string{}
	for _, who := range []string{"bob", "carol"} {
		inv := in.ok("member", "invite", "--tenant", "acme", "--email", who+"@acme.test", "--role", "approver", "--public-url", public, "--json").json(t)
		links[who], _ = inv["link"].(string)
		in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", who+"@acme.test")
	}
	p := in.ok("policy", "create", "--tenant", "acme", "--name", "Treasury", "--type", "approval",
		"--approvals", "2", "--approver-group", "finance", "--sign", "--max-duration", "2h", "--json").json(t)
	in.ok("policy", "assign", "--tenant", "acme", p["id"].(string), "--app", issuer)
	in.start("--public-url", public)

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b := newBrowser(t, ctx)
	tabs := map[string]context.Context{}
	for _, who := range []string{"bob", "carol"} {
		tab := b.tab(b.ctx, chromedp.WithNewBrowserContext())
		b.do(tab, who+" opens the setup link", chromedp.Navigate(links[who]), chromedp.WaitVisible(chromedp.ID("create")))
		b.do(tab, who+" creates a passkey", chromedp.SetValue(chromedp.ID("name"), who+"'s laptop"),
			chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("live")))
		tabs[who] = tab
	}

	q := in.ok("request", "create", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test",
		"--reason", "quarter close", "--for", "2h", "--json").json(t)
	id := q["id"].(string)
	if r := in.run("request", "approve", "--tenant", "acme", id, "--as", "bob@acme.test", "--json"); r.code == 0 {
		t.Fatalf("a CLI approval satisfied sign: %s", r.stdout)
	}

	for _, who := range []string{"bob", "carol"} {
		tab := tabs[who]
		b.do(tab, who+" opens the sign page", chromedp.Navigate(public+"/approvals/"+id+"/sign"), chromedp.WaitVisible(chromedp.ID("sign-approve")))
		if got := b.text(tab, "main"); !strings.Contains(got, "quarter close") || !strings.Contains(got, "treasury") {
			t.Fatalf("%s's sign page does not show what is signed: %q", who, got)
		}
		b.shot(tab, "sign-"+who)
		b.do(tab, who+" signs", leavePage(chromedp.ID("sign-approve")), chromedp.WaitVisible(chromedp.CSS(".notice")))
		if got := b.text(tab, ".notice"); !strings.Contains(got, "signed approval was recorded") {
			t.Fatalf("%s after signing: %q", who, got)
		}
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "treasury", "--json").json(t); st["locked"] != false {
		t.Fatalf("locked after two signed approvals: %v", st)
	}

	file := filepath.Join(t.TempDir(), "evidence.json")
	if err := os.WriteFile(file, []byte(in.ok("approval", "export", id).stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	in.stop()
	code, out := offline(t, "approval", "verify", "--rp-id", "localhost", file)
	if code != 0 || !strings.Contains(out, "valid, 2 signature(s) on request "+id) || !strings.Contains(out, "bob@acme.test") || !strings.Contains(out, "carol@acme.test") {
		t.Fatalf("offline verify: exit %d\n%s", code, out)
	}
	raw, _ := os.ReadFile(file)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	os.WriteFile(tampered, bytes.Replace(raw, []byte(`quarter close`), []byte(`quarter clos3`), 1), 0o600)
	if code, out := offline(t, "approval", "verify", tampered); code != 1 || !strings.Contains(out, "challenge does not match") {
		t.Fatalf("tampered evidence: exit %d\n%s", code, out)
	}
}

// offline runs deadbolt with args as on a machine where it was never
// configured: a clean environment, no database, no configuration, no
// server. It returns the exit status and the output.
func offline(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "DEADBOLT_DB=sqlite:" + filepath.Join(t.TempDir(), "none", "deadbolt.db")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// TestSignedOperationBrowser: the signing ceremony of an approval request
// for an operation in Chromium with a virtual authenticator: a
// sign_and_approve template, an application's approvalRequest, the
// approver's inbox links to the sign page, which shows the filled text;
// signing there decides it, and the application's GET shows the signed
// approval.
func TestSignedOperationBrowser(t *testing.T) {
	chromium(t)
	in, key, public := portalInst(t)
	inv := in.ok("member", "invite", "--tenant", "acme", "--email", "bob@acme.test", "--role", "approver", "--public-url", public, "--json").json(t)
	link, _ := inv["link"].(string)
	in.ok("template", "create", "--tenant", "acme", "--key", "DEPLOY", "--title", "Deploy to production",
		"--text", "Deploy ${version} of ${service}", "--approver", "bob@acme.test", "--mode", "sign_and_approve")
	in.start("--public-url", public)

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b := newBrowser(t, ctx)
	tab := b.ctx
	b.do(tab, "bob opens the setup link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("create")))
	b.do(tab, "bob creates a passkey", chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("live")))

	tok := mintFor(t, in, key, "deploy-bot")
	code, ask := in.post("/nl3/api/v1/approvalRequest", tok, `{"templateId":"DEPLOY","metaData":{"version":"4.2.0","service":"billing"}}`)
	id, _ := ask["requestId"].(string)
	if code != 200 || id == "" {
		t.Fatalf("approvalRequest: %d %v", code, ask)
	}
	b.do(tab, "bob opens his inbox", chromedp.Navigate(public+"/approvals"), chromedp.WaitVisible(chromedp.ID("sign-op-"+id)))
	b.do(tab, "bob follows the sign link", leavePage(chromedp.ID("sign-op-"+id)), chromedp.WaitVisible(chromedp.ID("sign-approve")))
	if got := b.text(tab, "main"); !strings.Contains(got, "Deploy 4.2.0 of billing") || !strings.Contains(got, "DEPLOY") {
		t.Fatalf("the sign page does not show what is signed: %q", got)
	}
	b.shot(tab, "sign-operation")
	b.do(tab, "bob signs", leavePage(chromedp.ID("sign-approve")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := b.text(tab, ".notice"); !strings.Contains(got, "signed approval was recorded") {
		t.Fatalf("after signing: %q", got)
	}
	st := approvalStatus(t, in, tok, id)
	ds, _ := st["decisions"].([]any)
	if st["status"] != "approved" || len(ds) != 1 || ds[0].(map[string]any)["approver"] != "bob@acme.test" || ds[0].(map[string]any)["signed"] != true {
		t.Fatalf("GET after signing: %v", st)
	}
}
