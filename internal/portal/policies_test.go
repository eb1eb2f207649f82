package portal_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// policyByName reads a policy of the tenant, or the zero policy.
func (e *env) policyByName(tenantID, name string) policy.Policy {
	e.t.Helper()
	ps, err := e.admin.Policies(e.t.Context(), tenantID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return policy.Policy{}
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// TestAdminPolicies: an owner creates a policy of every type in the
// portal, previews a schedule's week without saving, edits, assigns,
// disables, explains and deletes, through the functions the CLI uses.
// Bad input shows each problem beside its field and changes nothing;
// another tenant's owner gets 404, a plain member 403, and a cross-site
// form is refused.
func TestAdminPolicies(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	tenant := e.alice.TenantID
	_, owner := e.owner("olive@acme.test")
	other, gina, _ := e.otherOwner()
	member := e.signIn(e.alice)
	g, err := e.admin.CreateGroup(ctx, "test", tenant, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		ps, err := e.admin.Policies(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}

	if r := e.do("GET", "/admin/policies/new?type=scheduled", nil, owner); r.code != http.StatusOK || !strings.Contains(r.body, `name="schedule.zone"`) {
		t.Fatalf("new scheduled: %d", r.code)
	}
	hours := values("type", "scheduled", "name", "Finance hours", "action", "unlock", "enabled", "1",
		"schedule.zone", "Europe/Lisbon", "schedule.every", "daily", "schedule.from", "00:00", "schedule.to", "24:00",
		"schedule.start", "2026-01-01")
	// Preview: the week's windows, nothing saved.
	preview := values()
	for k, v := range hours {
		preview[k] = v
	}
	preview.Set("preview", "1")
	if r := e.do("POST", "/admin/policies", preview, owner); r.code != http.StatusOK || !strings.Contains(r.body, "preview, not saved") ||
		!strings.Contains(r.body, `class="win"`) || !strings.Contains(r.body, "00:00 – ") {
		t.Fatalf("preview: %d %s", r.code, r.body)
	}
	if count() != 0 {
		t.Fatal("the preview saved a policy")
	}

	// Bad input of each kind: 400, each problem beside its field, nothing saved.
	for _, c := range []struct {
		name   string
		form   url.Values
		fields []string
	}{
		{"scheduled: unknown zone, no time, empty window", values("type", "scheduled", "name", "x", "action", "unlock",
			"schedule.zone", "Mars/Olympus", "schedule.every", "daily", "schedule.from", "9am", "schedule.to", "09:00", "schedule.start", "2026-01-01"),
			[]string{"err-schedule-zone", "err-schedule-from"}},
		{"scheduled: weekly on no day that exists", values("type", "scheduled", "name", "x", "action", "open",
			"schedule.zone", "UTC", "schedule.every", "weekly", "schedule.days", "funday", "schedule.from", "09:00", "schedule.to", "10:00", "schedule.start", "2026-02-30"),
			[]string{"err-action", "err-schedule-days", "err-schedule-start"}},
		{"context: a network and a country that are not", values("type", "context", "name", "x",
			"context.allow_cidrs", "10.0.0.0/33\n2001:db8::/32", "context.allow_countries", "Portugal", "on_unknown", "deny"),
			[]string{"err-context-allow_cidrs", "err-context-allow_countries"}},
		{"context: nothing allowed", values("type", "context", "name", "x"), []string{"err-context"}},
		{"alert: no trigger, no length", values("type", "alert", "name", "x", "action", "lock", "alert.for", "forever"),
			[]string{"err-alert-on", "err-alert-for"}},
		{"approval: no approvers, another tenant's group", values("type", "approval", "name", "x", "approval.required", "2",
			"approval.groups", "not-a-group", "approval.members", "gina@globex.test"),
			[]string{"err-approval-approvers"}},
		{"name missing", values("type", "context", "name", "", "context.allow_countries", "PT"), []string{"err-name"}},
	} {
		r := e.do("POST", "/admin/policies", c.form, owner)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("%s: %d, want 400 with a summary", c.name, r.code)
		}
		for _, f := range c.fields {
			if !strings.Contains(r.body, `id="`+f+`"`) {
				t.Errorf("%s: no problem shown as %s", c.name, f)
			}
		}
		if count() != 0 {
			t.Fatalf("%s saved a policy", c.name)
		}
	}

	// One of each type.
	for _, f := range []url.Values{
		hours,
		values("type", "context", "name", "Office or Portugal", "enabled", "1", "context.allow_cidrs", "10.20.0.0/16\n2001:db8::/32",
			"context.allow_countries", "pt, ES", "on_unknown", "allow"),
		values("type", "alert", "name", "SIEM incident", "action", "lock", "enabled", "1", "alert.on", "execute", "alert.notify", "owner",
			"alert.notify", "webhooks", "alert.for", "24 h", "alert.liftable", "1"),
		values("type", "approval", "name", "Treasury", "enabled", "1", "approval.required", "1", "approval.groups", g.ID,
			"approval.members", "bob@acme.test", "approval.sign", "1", "approval.deny_on", "quorum", "approval.max_duration", "2 h"),
	} {
		r := e.do("POST", "/admin/policies", f, owner)
		if r.code != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=policy-created") {
			t.Fatalf("create %s: %d %s", f.Get("name"), r.code, r.body)
		}
	}
	hoursP := e.policyByName(tenant, "Finance hours")
	if s := hoursP.Schedule; s == nil || s.Zone != "Europe/Lisbon" || s.To != policy.EndOfDay || !hoursP.Enabled {
		t.Errorf("Finance hours: %+v", hoursP)
	}
	if c := e.policyByName(tenant, "Office or Portugal"); c.Context == nil || len(c.Context.AllowCIDRs) != 2 || c.OnUnknown != policy.Allow || c.Action != policy.Lock {
		t.Errorf("Office or Portugal: %+v", c)
	}
	if a := e.policyByName(tenant, "SIEM incident"); a.Alert == nil || a.Alert.For != 24*time.Hour || !a.Alert.Liftable || len(a.Alert.Notify) != 2 {
		t.Errorf("SIEM incident: %+v", a)
	}
	if a := e.policyByName(tenant, "Treasury"); a.Approval == nil || a.Approval.Members[0] != e.bob.ID || a.Approval.Groups[0] != g.ID ||
		!a.Approval.Sign || a.Approval.DenyOn != policy.DenyQuorum || a.Approval.MaxDuration != 2*time.Hour {
		t.Errorf("Treasury: %+v", a)
	}
	page := "/admin/policies/" + hoursP.ID
	r := e.do("GET", page, nil, owner)
	if r.code != http.StatusOK || !strings.Contains(r.body, `id="windows"`) || !strings.Contains(r.body, "Europe/Lisbon") ||
		!strings.Contains(r.body, `value="24:00"`) {
		t.Fatalf("policy page: %d", r.code)
	}
	for _, id := range []string{"Office or Portugal", "SIEM incident", "Treasury"} {
		if r := e.do("GET", "/admin/policies/"+e.policyByName(tenant, id).ID, nil, owner); r.code != http.StatusOK || !strings.Contains(r.body, id) {
			t.Errorf("page of %s: %d", id, r.code)
		}
	}
	if r := e.do("GET", "/admin/policies", nil, owner); r.code != http.StatusOK || !strings.Contains(r.body, "window open until") {
		t.Errorf("list: %d", r.code)
	}

	// Edit: the rules change, the ID and type stay; bad input changes nothing.
	edit := values()
	for k, v := range hours {
		edit[k] = v
	}
	edit.Set("type", "context") // ignored: a policy keeps its type
	edit.Set("schedule.to", "18:00")
	edit.Set("schedule.from", "08:00")
	edit.Set("schedule.every", "weekdays")
	if r := e.do("POST", page, edit, owner); r.code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.code, r.body)
	}
	if p := e.policyByName(tenant, "Finance hours"); p.ID != hoursP.ID || p.Type != policy.Scheduled || p.Schedule.From != 8*60 || p.Schedule.Every != policy.Weekdays {
		t.Errorf("after edit: %+v", p)
	}
	edit.Set("schedule.zone", "Europe/Lisboa")
	edit.Set("name", "SIEM incident")
	if r := e.do("POST", page, edit, owner); r.code != http.StatusBadRequest || !strings.Contains(r.body, `id="err-schedule-zone"`) {
		t.Errorf("bad edit: %d", r.code)
	}
	edit.Set("schedule.zone", "Europe/Lisbon")
	if r := e.do("POST", page, edit, owner); r.code != http.StatusBadRequest || !strings.Contains(r.body, `id="err-name"`) {
		t.Errorf("edit to a taken name: %d", r.code)
	}
	if p := e.policyByName(tenant, "Finance hours"); p.Schedule.Zone != "Europe/Lisbon" || p.Schedule.From != 8*60 {
		t.Errorf("a refused edit changed the policy: %+v", p)
	}

	// Assignments: to the application, the group and a member; another
	// tenant's application is not found and changes nothing.
	gapp, err := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: other.ID, Name: "G", Issuer: "https://g.globex.test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range [][2]string{{"app", e.app.ID}, {"group", g.ID}, {"member", e.bob.ID}} {
		if r := e.do("POST", page+"/targets/assign", values("kind", a[0], "value", a[1]), owner); r.code != http.StatusSeeOther {
			t.Errorf("assign %s: %d %s", a[0], r.code, r.body)
		}
	}
	for _, a := range [][3]string{{"app", gapp.ID, "no such application"}, {"app", e.app.ID, "already assigned"}, {"member", "nobody", "no such member"}} {
		if r := e.do("POST", page+"/targets/assign", values("kind", a[0], "value", a[1]), owner); r.code != http.StatusBadRequest ||
			!strings.Contains(r.body, a[2]) || !strings.Contains(r.body, `id="err-target"`) {
			t.Errorf("assign %s %s: %d, want 400 saying %q", a[0], a[1], r.code, a[2])
		}
	}
	if as := e.policyByName(tenant, "Finance hours").Assign; len(as.Apps) != 1 || len(as.Groups) != 1 || len(as.Members) != 1 {
		t.Errorf("assignments: %+v", as)
	}
	if r := e.do("POST", page+"/targets/unassign", values("kind", "member", "value", e.bob.ID), owner); r.code != http.StatusSeeOther {
		t.Errorf("unassign: %d", r.code)
	}

	// Explain: the schedule opens alice's account now; the steps and the
	// deciding policy are those of `deadbolt policy explain`.
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) // Wednesday, 10:00 in Lisbon
	r = e.do("GET", "/admin/policies/explain?"+values("app", e.app.ID, "account", "alice", "ip", "10.20.1.2", "at", "2026-12-02T10:00").Encode(), nil, owner)
	want, err := e.admin.Explain(ctx, e.app, "alice", at, mustAddr("10.20.1.2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != http.StatusOK || !strings.Contains(r.body, "unlocked_by_schedule") || !strings.Contains(r.body, "3. hard locks") ||
		!strings.Contains(r.body, `href="/admin/policies/`+hoursP.ID+`">Finance hours</a>`) || want.DecidedBy != hoursP.ID {
		t.Errorf("explain: %d, want decided by %s (CLI says %s)", r.code, hoursP.ID, want.DecidedBy)
	}
	for _, q := range []url.Values{values("app", gapp.ID, "account", "alice"), values("app", e.app.ID, "account", "alice", "ip", "not-an-ip"),
		values("app", e.app.ID, "account", "alice", "at", "yesterday")} {
		if r := e.do("GET", "/admin/policies/explain?"+q.Encode(), nil, owner); r.code != http.StatusBadRequest || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("explain %v: %d, want 400", q, r.code)
		}
	}

	// Another tenant's owner, a plain member, a cross-site form: refused,
	// nothing changed.
	before := e.policyByName(tenant, "Finance hours")
	for _, c := range outsiders(gina, member, owner) {
		if c.extra == nil {
			if r := e.do("GET", page, nil, c.cookie); r.code != c.want {
				t.Errorf("%s: GET policy: %d, want %d", c.who, r.code, c.want)
			}
		}
		if c.want == http.StatusForbidden && c.extra == nil {
			for _, path := range []string{"/admin/policies", "/admin/policies/new?type=alert", "/admin/policies/explain?app=" + e.app.ID + "&account=alice"} {
				if r := e.do("GET", path, nil, c.cookie); r.code != c.want {
					t.Errorf("%s: GET %s: %d, want %d", c.who, path, r.code, c.want)
				}
			}
			if r := e.do("POST", "/admin/policies", hours, c.cookie, c.extra...); r.code != c.want {
				t.Errorf("%s: create: %d, want %d", c.who, r.code, c.want)
			}
		}
		if c.want == http.StatusNotFound {
			if r := e.do("GET", "/admin/policies/explain?app="+e.app.ID+"&account=alice", nil, c.cookie); r.code != http.StatusBadRequest {
				t.Errorf("%s: explain another tenant's account: %d, want 400", c.who, r.code)
			}
		}
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{page, edit},
			{page + "/disable", nil},
			{page + "/delete", nil},
			{page + "/targets/assign", values("kind", "member", "value", e.alice.ID)},
			{page + "/targets/unassign", values("kind", "group", "value", g.ID)},
		} {
			if r := e.do("POST", post.path, post.form, c.cookie, c.extra...); r.code != c.want {
				t.Errorf("%s: POST %s: %d, want %d", c.who, post.path, r.code, c.want)
			}
		}
		if now := e.policyByName(tenant, "Finance hours"); now.ID != before.ID || !now.Enabled || len(now.Assign.Groups) != 1 || len(now.Assign.Members) != 0 {
			t.Errorf("%s changed the policy: %+v", c.who, now)
		}
	}
	if count() != 4 {
		t.Errorf("%d policies, want 4", count())
	}

	// Disable, enable, delete.
	for _, step := range []struct {
		path    string
		enabled bool
	}{{"/disable", false}, {"/enable", true}} {
		if r := e.do("POST", page+step.path, nil, owner); r.code != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.path, r.code)
		}
		if e.policyByName(tenant, "Finance hours").Enabled != step.enabled {
			t.Errorf("after %s: enabled is not %v", step.path, step.enabled)
		}
	}
	if r := e.do("POST", page+"/delete", nil, owner); r.code != http.StatusSeeOther || count() != 3 {
		t.Errorf("delete: %d, %d left", r.code, count())
	}
	actions := strings.Join(e.auditActions("member:olive@acme.test"), " ")
	for _, a := range []string{"policy.created", "policy.updated", "policy.assigned", "policy.unassigned", "policy.disabled", "policy.enabled", "policy.deleted"} {
		if !strings.Contains(actions, a) {
			t.Errorf("audit has no %s", a)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestActivityNamesDecidingPolicy: the activity page names the policy
// that decided a check (the check log keeps its ID) and links to it; a
// policy deleted since shows its ID alone.
func TestActivityNamesDecidingPolicy(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.owner("olive@acme.test")
	pol, err := e.admin.CreatePolicy(ctx, "test", e.app.TenantID, policy.Policy{Name: "Year-end freeze", Type: policy.Alert, Action: policy.Lock,
		Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, For: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.store.AppendChecks(ctx, []store.CheckRecord{
		{ID: ids.New(), TenantID: e.app.TenantID, AppID: e.app.ID, Account: "alice", At: now, Locked: true, Status: "lockdown", PolicyID: pol.ID},
		{ID: ids.New(), TenantID: e.app.TenantID, AppID: e.app.ID, Account: "bob", At: now, Locked: false, Status: "unlocked_by_schedule", PolicyID: "gone-policy-id"},
	}); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/admin/activity", nil, owner)
	if r.code != http.StatusOK || !strings.Contains(r.body, `<a href="/admin/policies/`+pol.ID+`">Year-end freeze</a>`) ||
		!strings.Contains(r.body, "(deleted)") || !strings.Contains(r.body, "gone-policy-id") {
		t.Errorf("activity: %d\n%s", r.code, r.body)
	}
}
