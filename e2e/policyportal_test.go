package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPolicyPortalBrowser: an owner, in Chromium against a real `serve`,
// creates a scheduled policy in the portal: a refused form shows the
// problem beside its field, "Preview the week" shows the calendar of what
// was typed without saving, Create saves it, the policy page draws its
// windows, it is assigned to the application, and the explain page says
// it opens alice's account on a Wednesday morning, as `deadbolt policy
// explain` does.
func TestPolicyPortalBrowser(t *testing.T) {
	chromium(t)
	in, _, public := portalInst(t)
	link := in.ok("member", "invite", "--tenant", "acme", "--email", "owner@acme.test", "--role", "owner",
		"--public-url", public, "--json").json(t)["link"].(string)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "owner@acme.test")
	in.start("--public-url", public)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := newBrowser(t, ctx)
	tab := b.ctx
	b.do(tab, "owner's setup link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("create")))
	b.do(tab, "create passkey", chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("live")))

	field := func(name string) chromedp.CSS { return chromedp.CSS(`[name="` + name + `"]`) }
	b.do(tab, "policies page", chromedp.Navigate(public+"/admin/policies"), chromedp.WaitVisible(chromedp.ID("new-scheduled")))
	b.do(tab, "new scheduled policy", leavePage(chromedp.ID("new-scheduled")), chromedp.WaitVisible(chromedp.ID("policy-form")))
	fill := chromedp.Steps(
		chromedp.SetValue(field("name"), "Finance hours"),
		chromedp.SetValue(field("action"), "unlock"),
		chromedp.SetValue(field("schedule.zone"), "Europe/Lisboa"), // a typo
		chromedp.SetValue(field("schedule.every"), "weekdays"),
		chromedp.SetValue(field("schedule.from"), "08:00"),
		chromedp.SetValue(field("schedule.to"), "18:00"),
		chromedp.SetValue(field("schedule.start"), "2026-01-01"),
	)
	b.do(tab, "fill in, with a typo in the zone", fill, leavePage(chromedp.ID("preview-policy")),
		chromedp.WaitVisible(chromedp.ID("err-schedule-zone")))
	if got := b.text(tab, "#err-schedule-zone"); !strings.Contains(got, "Europe/Lisboa") {
		t.Errorf("the zone's problem says %q", got)
	}
	if got := b.text(tab, "#problems"); !strings.Contains(got, "Nothing was saved") {
		t.Errorf("the summary says %q", got)
	}
	b.shot(tab, "policy-refused")
	if n := len(strings.TrimSpace(in.ok("policy", "list", "--tenant", "acme").stdout)); n != 0 {
		t.Fatalf("a refused form saved a policy: %d bytes of list", n)
	}

	b.do(tab, "preview the week", chromedp.SetValue(field("schedule.zone"), "Europe/Lisbon"),
		leavePage(chromedp.ID("preview-policy")), chromedp.WaitVisible(chromedp.ID("week")))
	if got := b.text(tab, "#week h2"); !strings.Contains(got, "preview, not saved") {
		t.Errorf("the preview's heading says %q", got)
	}
	windows := b.text(tab, "#windows")
	if !strings.Contains(windows, "08:00 – 18:00") {
		t.Errorf("the preview lists %q", windows)
	}
	drawn, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#week svg rect.win").length`))
	if err != nil || drawn < 4 {
		t.Errorf("the calendar draws %d windows (%v)", drawn, err)
	}
	b.shot(tab, "policy-preview")
	if n := len(strings.TrimSpace(in.ok("policy", "list", "--tenant", "acme").stdout)); n != 0 {
		t.Fatal("the preview saved a policy")
	}

	b.do(tab, "create it", leavePage(chromedp.ID("save-policy")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	loc := b.location(tab)
	id := strings.TrimPrefix(loc[:strings.Index(loc, "?")], public+"/admin/policies/")
	shown, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#week svg rect.win").length`))
	if err != nil || shown != drawn {
		t.Errorf("the saved policy's calendar draws %d windows, the preview %d (%v)", shown, drawn, err)
	}
	b.do(tab, "assign it to the application", leavePage(chromedp.ID("assign-app-go")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := b.text(tab, "#assignments"); !strings.Contains(got, "application Wiki") {
		t.Errorf("assignments: %q", got)
	}
	b.shot(tab, "policy-saved")
	show := in.ok("policy", "show", "--tenant", "acme", id, "--json").json(t)
	if show["name"] != "Finance hours" {
		t.Fatalf("policy show %s: %v", id, show)
	}

	// Explain alice's account on Wednesday 2 December 2026 at 10:00 UTC
	// (10:00 in Lisbon): the schedule opens it.
	b.do(tab, "explain page", chromedp.Navigate(public+"/admin/policies/explain"), chromedp.WaitVisible(chromedp.ID("explain-form")),
		chromedp.SetValue(field("account"), "alice"), chromedp.SetValue(field("at"), "2026-12-02T10:00"),
		chromedp.SetValue(field("ip"), "198.51.100.7"), leavePage(chromedp.ID("explain")), chromedp.WaitVisible(chromedp.ID("explained")))
	outcome := b.text(tab, "#outcome")
	if !strings.Contains(outcome, "unlocked_by_schedule") || !strings.Contains(outcome, "Finance hours") {
		t.Errorf("explain's outcome: %q", outcome)
	}
	steps := b.text(tab, "#explained ul.steps")
	for _, want := range []string{"3. hard locks", "4. context rules", "5. unlock schedules", "Finance hours"} {
		if !strings.Contains(steps, want) {
			t.Errorf("explain's steps lack %q: %q", want, steps)
		}
	}
	b.shot(tab, "policy-explain")
	cli := in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--at", "2026-12-02T10:00:00Z", "--ip", "198.51.100.7", "--json").json(t)
	if cli["decided_by"] != id {
		t.Errorf("deadbolt policy explain decides by %v, the portal by %s", cli["decided_by"], id)
	}
}
