package exposure_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/exposure"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/policy/geoiptest"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// monday is the start of the scripted week: Monday 2 November 2026, UTC.
var monday = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// timeline is one tenant whose week was played with a fake clock through
// the real services, on a real database.
type timeline struct {
	s      store.Store
	tenant store.Tenant
	app    store.Application
	geo    *policy.GeoIP
}

// play scripts the week:
//   - alice unlocks "alice" for 2 h on Monday 01:00 and signs in at 01:30;
//     on Monday 05:00 she unlocks it once for 1 h and never signs in (the
//     unused unlock);
//   - "payroll" needs two approvers (an approval policy on its owner): paula
//     asks on Tuesday 09:00 for 1 h, bob approves at 09:10 and carol at
//     09:20, which opens it until 10:20; paula signs in at 09:50;
//   - "ops" is marked break-glass, and an operator breaks the glass on
//     Wednesday 03:00 for 30 min; ops signs in at 03:05;
//   - "night" is opened by an unlock schedule, daily 22:00–23:00 UTC, on
//     its owner erin: seven windows in the week; and by another, "early",
//     daily 06:00–07:00, until it is deleted on Wednesday 12:00: three;
//   - "alice" is refused three times from 203.0.113.7 (PT) on Tuesday at
//     14:00, 14:10 and 14:20, and twice from 198.51.100.1 (US) on
//     Wednesday at 03:00 and 03:30;
//   - on Thursday alice unlocks "alice" for 4 h at 10:00 and signs in at
//     10:15; an admin locks the application down from 11:00 to 11:30
//     (the grant stays, but opens nothing meanwhile), and locks alice down
//     from 12:00 to 13:00 (which revokes the grant): 1 h 30 min open;
//   - erin locks everything from Thursday 22:30 to Friday 22:15, which
//     closes "night" for the last 30 min of Thursday's window and the
//     first 15 min of Friday's;
//   - on Saturday 12:00 the night shift becomes 21:00–23:00, so Saturday
//     and Sunday open it for 2 h each;
//   - on Sunday an alert lock policy on erin is executed at 21:30 and
//     lifted at 21:45, closing "night" for 15 min; a group made and
//     deleted at 12:00 is named in the caveats (its members are not
//     recorded at deletion);
//   - owners change: "handover", enrolled with no owner, is linked to erin
//     on Tuesday 08:00, so her policies and her "lock everything" apply to
//     it from then on only (not Monday's windows, nor Tuesday's early
//     one): 8 h open; "leaver", liam's, is unlocked by an admin on Monday
//     10:30 for 2 h while liam is locked down (10:00 to 11:00), and signed
//     into at 11:15: 1 h 30 min open, though liam is removed on Tuesday
//     12:00 and the account is unowned now (the removal is named in the
//     caveats: his assignments, had he had any, are not recorded).
func play(t *testing.T, s store.Store) timeline {
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewFake(monday.Add(-24 * time.Hour))
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	must(err)
	adm := &admin.Service{Store: s, Clock: clk, Box: box}
	acc := &access.Service{Store: s, Clock: clk}
	appr := &approval.Service{Store: s, Clock: clk, Notify: []string{}}
	bg := &breakglass.Service{Store: s, Clock: clk, Notify: []string{}}

	tl := timeline{s: s}
	tl.tenant, err = adm.CreateTenant(ctx, "cli:root", "acme")
	must(err)
	tl.app, err = adm.CreateApp(ctx, "cli:root", admin.NewApp{TenantID: tl.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	key, _, err := adm.CreateKey(ctx, "cli:root", tl.app, time.Time{})
	must(err)
	member := func(email, role string) store.Member {
		m, err := adm.CreateMember(ctx, "cli:root", admin.NewMember{TenantID: tl.tenant.ID, Email: email, Role: role})
		must(err)
		return m
	}
	for _, a := range [][2]string{{"alice", "alice@acme.test"}, {"payroll", "paula@acme.test"}, {"ops", ""}, {"night", "erin@acme.test"},
		{"handover", ""}, {"leaver", "liam@acme.test"}} {
		_, err := acc.Enroll(ctx, "cli:root", tl.app, a[0], a[1])
		must(err)
	}
	paula, err := s.MemberByEmail(ctx, tl.tenant.ID, "paula@acme.test")
	must(err)
	erin, err := s.MemberByEmail(ctx, tl.tenant.ID, "erin@acme.test")
	must(err)
	liam, err := s.MemberByEmail(ctx, tl.tenant.ID, "liam@acme.test")
	must(err)
	bob, carol := member("bob@acme.test", store.RoleApprover), member("carol@acme.test", store.RoleApprover)
	rule := policy.ApprovalRule{Required: 2, Members: []string{bob.ID, carol.ID}}
	p, err := adm.CreatePolicy(ctx, "cli:root", tl.tenant.ID, policy.Policy{Name: "payroll approvals", Type: policy.Approval, Enabled: true, Approval: &rule})
	must(err)
	_, err = adm.Assign(ctx, "cli:root", tl.tenant.ID, p.ID, admin.Target{Member: paula.ID})
	must(err)
	p, err = adm.CreatePolicy(ctx, "cli:root", tl.tenant.ID, policy.Policy{Name: "night shift", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "UTC", Every: policy.Daily, From: 22 * 60, To: 23 * 60, Start: policy.Date{Year: 2026, Month: 11, Day: 1}}})
	must(err)
	_, err = adm.Assign(ctx, "cli:root", tl.tenant.ID, p.ID, admin.Target{Member: erin.ID})
	must(err)
	early, err := adm.CreatePolicy(ctx, "cli:root", tl.tenant.ID, policy.Policy{Name: "early", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "UTC", Every: policy.Daily, From: 6 * 60, To: 7 * 60, Start: policy.Date{Year: 2026, Month: 11, Day: 1}}})
	must(err)
	_, err = adm.Assign(ctx, "cli:root", tl.tenant.ID, early.ID, admin.Target{Member: erin.ID})
	must(err)
	_, err = bg.Mark(ctx, "cli:root", tl.tenant.ID, breakglass.Target{App: tl.app, Account: "ops"}, time.Hour)
	must(err)

	var checks []store.CheckRecord
	check := func(account string, locked bool, ip string) {
		status := "unlocked"
		if locked {
			status = "locked"
		}
		checks = append(checks, store.CheckRecord{ID: ids.New(), TenantID: tl.tenant.ID, AppID: tl.app.ID, KID: key.KID,
			Account: account, At: clk.Now(), Locked: locked, Status: status, IP: ip})
	}
	at := func(day time.Duration, hhmm time.Duration) { clk.Set(monday.Add(day*24*time.Hour + hhmm)) }

	at(0, time.Hour)
	_, err = acc.Unlock(ctx, "member:alice@acme.test", tl.app, "alice", access.Unlock{For: 2 * time.Hour})
	must(err)
	at(0, time.Hour+30*time.Minute)
	check("alice", false, "192.0.2.10")
	at(0, 5*time.Hour)
	_, err = acc.Unlock(ctx, "member:alice@acme.test", tl.app, "alice", access.Unlock{For: time.Hour, Once: true})
	must(err)
	at(0, 10*time.Hour)
	_, err = acc.LockDownMember(ctx, "cli:root", liam.ID, true)
	must(err)
	at(0, 10*time.Hour+30*time.Minute)
	_, err = acc.Unlock(ctx, "cli:root", tl.app, "leaver", access.Unlock{For: 2 * time.Hour})
	must(err)
	at(0, 11*time.Hour)
	_, err = acc.LockDownMember(ctx, "cli:root", liam.ID, false)
	must(err)
	at(0, 11*time.Hour+15*time.Minute)
	check("leaver", false, "192.0.2.13")
	at(1, 8*time.Hour)
	must(s.Update(ctx, func(tx store.Tx) error {
		_, _, err := access.LinkTx(ctx, tx, "cli:root", tl.app, "handover", erin, clk.Now())
		return err
	}))

	at(1, 9*time.Hour)
	q, err := appr.Create(ctx, "member:paula@acme.test", paula, tl.app, "payroll", approval.Ask{Reason: "month end", For: time.Hour})
	must(err)
	for i, v := range []store.Member{bob, carol} {
		at(1, 9*time.Hour+time.Duration(i+1)*10*time.Minute)
		_, err := appr.Vote(ctx, approval.Ballot{RequestID: q.ID, Voter: v, Approve: true, Channel: "portal", Actor: "member:" + v.Email})
		must(err)
	}
	at(1, 9*time.Hour+50*time.Minute)
	check("payroll", false, "192.0.2.11")
	at(1, 12*time.Hour)
	_, _, err = adm.RemoveMember(ctx, admin.Operator("cli:root"), liam.ID)
	must(err)
	for _, m := range []time.Duration{0, 10, 20} {
		at(1, 14*time.Hour+m*time.Minute)
		check("alice", true, "203.0.113.7")
	}

	at(2, 3*time.Hour)
	_, err = bg.Unlock(ctx, breakglass.By{Actor: "cli:root", Operator: true}, tl.app, "ops", "database on fire", 30*time.Minute)
	must(err)
	check("alice", true, "198.51.100.1")
	at(2, 3*time.Hour+5*time.Minute)
	check("ops", false, "192.0.2.12")
	at(2, 3*time.Hour+30*time.Minute)
	check("alice", true, "198.51.100.1")

	at(2, 12*time.Hour)
	must(adm.DeletePolicy(ctx, "cli:root", tl.tenant.ID, "early"))

	at(3, 10*time.Hour)
	_, err = acc.Unlock(ctx, "member:alice@acme.test", tl.app, "alice", access.Unlock{For: 4 * time.Hour})
	must(err)
	at(3, 10*time.Hour+15*time.Minute)
	check("alice", false, "192.0.2.10")
	lockApp := func(on bool) {
		_, err := adm.UpdateApp(ctx, "cli:root", tl.app.ID, func(a *store.Application) { a.LockedDown = on })
		must(err)
	}
	at(3, 11*time.Hour)
	lockApp(true)
	at(3, 11*time.Hour+30*time.Minute)
	lockApp(false)
	alice, err := s.MemberByEmail(ctx, tl.tenant.ID, "alice@acme.test")
	must(err)
	at(3, 12*time.Hour)
	_, err = acc.LockDownMember(ctx, "cli:root", alice.ID, true)
	must(err)
	at(3, 13*time.Hour)
	_, err = acc.LockDownMember(ctx, "cli:root", alice.ID, false)
	must(err)
	at(3, 22*time.Hour+30*time.Minute)
	_, err = acc.LockEverything(ctx, "member:erin@acme.test", erin.ID, true)
	must(err)
	at(4, 22*time.Hour+15*time.Minute)
	_, err = acc.LockEverything(ctx, "member:erin@acme.test", erin.ID, false)
	must(err)

	at(5, 12*time.Hour)
	night := policy.Policy{Name: "night shift", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "UTC", Every: policy.Daily, From: 21 * 60, To: 23 * 60, Start: policy.Date{Year: 2026, Month: 11, Day: 1}}}
	_, err = adm.UpdatePolicy(ctx, "cli:root", tl.tenant.ID, "night shift", night)
	must(err)
	incident, err := adm.CreatePolicy(ctx, "cli:root", tl.tenant.ID, policy.Policy{Name: "incident", Type: policy.Alert, Action: policy.Lock, Enabled: true,
		Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, Liftable: true}})
	must(err)
	_, err = adm.Assign(ctx, "cli:root", tl.tenant.ID, incident.ID, admin.Target{Member: erin.ID})
	must(err)
	at(6, 12*time.Hour)
	_, err = adm.CreateGroup(ctx, "cli:root", tl.tenant.ID, "temps", "")
	must(err)
	_, err = adm.DeleteGroup(ctx, "cli:root", tl.tenant.ID, "temps")
	must(err)
	at(6, 21*time.Hour+30*time.Minute)
	_, err = adm.ExecutePolicy(ctx, "cli:root", tl.tenant.ID, "incident", policy.OnExecute, "drill")
	must(err)
	at(6, 21*time.Hour+45*time.Minute)
	_, err = adm.LiftPolicy(ctx, "cli:root", tl.tenant.ID, "incident")
	must(err)
	must(s.AppendChecks(ctx, checks))

	tl.geo, err = policy.OpenGeoIP(geoiptest.Write(t, map[string]string{"203.0.113.0/24": "PT", "198.51.100.0/24": "US"}))
	must(err)
	t.Cleanup(func() { tl.geo.Close() })
	return tl
}

func (tl timeline) build(t *testing.T, o exposure.Options) *exposure.Report {
	t.Helper()
	o.TenantID = tl.tenant.ID
	if o.Since.IsZero() {
		o.Since, o.Until = monday, monday.Add(7*24*time.Hour)
	}
	rep, err := exposure.Build(context.Background(), tl.s, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func secs(d time.Duration) exposure.Seconds { return exposure.Seconds(d) }

// TestTimeline: the report's figures are exactly those of the scripted
// week, on both backends.
func TestTimeline(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			tl := play(t, b.Open(t))
			rep := tl.build(t, exposure.Options{Geo: tl.geo})

			const h, m = time.Hour, time.Minute
			// night: 2 h Monday to Wednesday, 30 min Thursday, 45 min
			// Friday, 2 h Saturday, 1 h 45 min Sunday.
			nightOpen := 6*h + 30*m + 45*m + 2*h + h + 45*m
			// night is closed by erin's lock everything (23 h 45 min), the
			// application's lockdown (30 min) and the alert (15 min); alice
			// by the application's lockdown and her own (1 h).
			nightLocked, aliceLocked := 23*h+45*m+30*m+15*m, 30*m+h
			// handover is erin's from Tuesday 08:00: night's windows but
			// Monday's (early's Tuesday window is before the link,
			// Wednesday's opens it); the same locks.
			handoverOpen := nightOpen - 3*h
			// leaver: liam's lockdown (1 h) and the application's.
			leaverOpen, leaverLocked := h+30*m, h+30*m
			want := exposure.Totals{Times: exposure.Times{Open: secs(4*h + 30*m + h + 30*m + nightOpen + handoverOpen + leaverOpen), Grant: secs(4*h + 30*m + leaverOpen),
				Approval: secs(h), BreakGlass: secs(30 * m), Schedule: secs(nightOpen + handoverOpen),
				Locked: secs(2*nightLocked + aliceLocked + 30*m + 30*m + leaverLocked)}, Accounts: 6, Unlocks: 6, Unused: 1, Allowed: 5, Blocked: 5}
			// The policy change, the lockdowns and the owners were all
			// rebuilt: the caveat names what the audit log does not
			// hold, liam's assignments (he had none), the deleted
			// policy's executions (it had none) and the deleted group.
			if len(rep.Caveats) != 1 || !strings.Contains(rep.Caveats[0], ": member liam@acme.test (removed 2026-11-03T12:00:00Z), "+
				"policy early (deleted 2026-11-04T12:00:00Z: its alert executions went with it), group temps (deleted 2026-11-08T12:00:00Z).") {
				t.Errorf("caveats: %q", rep.Caveats)
			}
			if rep.Totals != want {
				t.Errorf("totals:\n got %+v\nwant %+v", rep.Totals, want)
			}
			type row struct {
				Account                                          string
				Open, Grant, Approval, BreakGlass, Sched, Locked exposure.Seconds
				Unlocks, Unused, Allowed, Blocked                int
				Approvers                                        []string
				From                                             []exposure.Origin
			}
			var got []row
			for _, a := range rep.Accounts {
				got = append(got, row{a.Account, a.Open, a.Grant, a.Approval, a.BreakGlass, a.Schedule, a.Locked, a.Unlocks, a.Unused, a.Allowed, a.Blocked, a.Approvers, a.From})
			}
			wantRows := []row{
				{Account: "night", Open: secs(nightOpen), Sched: secs(nightOpen), Locked: secs(nightLocked), Approvers: []string{}, From: []exposure.Origin{}},
				{Account: "handover", Open: secs(handoverOpen), Sched: secs(handoverOpen), Locked: secs(nightLocked), Approvers: []string{}, From: []exposure.Origin{}},
				{Account: "alice", Open: secs(4*h + 30*m), Grant: secs(4*h + 30*m), Locked: secs(aliceLocked), Unlocks: 3, Unused: 1, Allowed: 2, Blocked: 5, Approvers: []string{},
					From: []exposure.Origin{{IP: "203.0.113.7", Country: "PT", Count: 3}, {IP: "198.51.100.1", Country: "US", Count: 2}}},
				{Account: "leaver", Open: secs(leaverOpen), Grant: secs(leaverOpen), Locked: secs(leaverLocked), Unlocks: 1, Allowed: 1, Approvers: []string{}, From: []exposure.Origin{}},
				{Account: "payroll", Open: secs(h), Approval: secs(h), Locked: secs(30 * m), Unlocks: 1, Allowed: 1,
					Approvers: []string{"bob@acme.test", "carol@acme.test"}, From: []exposure.Origin{}},
				{Account: "ops", Open: secs(30 * m), BreakGlass: secs(30 * m), Locked: secs(30 * m), Unlocks: 1, Allowed: 1, Approvers: []string{}, From: []exposure.Origin{}},
			}
			if !reflect.DeepEqual(got, wantRows) {
				t.Errorf("accounts:\n got %+v\nwant %+v", got, wantRows)
			}

			type unlock struct {
				Kind, Account string
				Start, End    time.Time
				Once, Used    bool
				SignIns       int
			}
			var us []unlock
			for _, u := range rep.Unlocks {
				us = append(us, unlock{u.Kind, u.Account, u.Start, u.End, u.Once, u.Used, u.SignIns})
			}
			day := func(d, hhmm time.Duration) time.Time { return monday.Add(d*24*h + hhmm) }
			wantUnlocks := []unlock{
				{exposure.Grant, "alice", day(0, h), day(0, 3*h), false, true, 1},
				{exposure.Grant, "alice", day(0, 5*h), day(0, 6*h), true, false, 0},
				{exposure.Grant, "leaver", day(0, 10*h+30*m), day(0, 12*h+30*m), false, true, 1},
				{exposure.Approval, "payroll", day(1, 9*h+20*m), day(1, 10*h+20*m), false, true, 1},
				{exposure.BreakGlass, "ops", day(2, 3*h), day(2, 3*h+30*m), false, true, 1},
				{exposure.Grant, "alice", day(3, 10*h), day(3, 12*h), false, true, 1},
			}
			if !reflect.DeepEqual(us, wantUnlocks) {
				t.Errorf("unlocks:\n got %+v\nwant %+v", us, wantUnlocks)
			}

			// Periods that start inside a lock: its state at the start comes
			// from a lift in the period, or from before the audit read.
			for _, c := range []struct {
				from, to     time.Time
				open, locked time.Duration
			}{
				{day(4, 22*h), day(4, 23*h), 45 * m, 15 * m},
				{day(3, 22*h+45*m), day(3, 23*h), 0, 15 * m},
				{day(6, 21*h+40*m), day(6, 22*h), 15 * m, 5 * m},
			} {
				rep := tl.build(t, exposure.Options{Since: c.from, Until: c.to})
				if len(rep.Accounts) != 2 || rep.Accounts[0].Account != "handover" || rep.Accounts[1].Account != "night" {
					t.Errorf("%s to %s: %+v, want handover and night", c.from, c.to, rep.Accounts)
					continue
				}
				for _, a := range rep.Accounts {
					if a.Open != secs(c.open) || a.Locked != secs(c.locked) {
						t.Errorf("%s to %s: %+v, want %s open %s, locked %s", c.from, c.to, a, a.Account, c.open, c.locked)
					}
				}
			}

			var heat [7][24]int
			heat[1][14], heat[2][3] = 3, 2
			if rep.Heat != heat {
				t.Errorf("heat map: %v", rep.Heat)
			}
			var days []exposure.Day
			for i, d := range []struct {
				open    time.Duration
				blocked int
			}{{6*h + 30*m, 0}, {4 * h, 3}, {270 * m, 2}, {150 * m, 0}, {90 * m, 0}, {4 * h, 0}, {3*h + 30*m, 0}} {
				days = append(days, exposure.Day{Date: monday.AddDate(0, 0, i).Format(time.DateOnly), Open: secs(d.open), Blocked: d.blocked})
			}
			if len(rep.Days) != len(days) {
				t.Fatalf("days: %+v", rep.Days)
			}
			for i := range days {
				if rep.Days[i].Date != days[i].Date || rep.Days[i].Open != days[i].Open || rep.Days[i].Blocked != days[i].Blocked {
					t.Errorf("day %d: got %+v, want %+v", i, rep.Days[i], days[i])
				}
			}
		})
	}
}

// auditReads notes the oldest audit record a report read, bisection's
// one-record reads aside.
type auditReads struct {
	store.Store
	oldest time.Time
}

func (a *auditReads) AuditRecords(ctx context.Context, tenantID string, after int64, limit int) ([]audit.Record, error) {
	recs, err := a.Store.AuditRecords(ctx, tenantID, after, limit)
	if limit > 1 {
		for _, r := range recs {
			if a.oldest.IsZero() || r.At.Before(a.oldest) {
				a.oldest = r.At
			}
		}
	}
	return recs, err
}

// TestReadFollowsThePeriod: a report of the scripted Sunday, in which a
// group was made and deleted (a change of the policies' inputs), reads the
// audit log from about the period's start, not from the log's start; its
// figures are the same.
func TestReadFollowsThePeriod(t *testing.T) {
	tl := play(t, backends.SQLite(t))
	sunday := monday.Add(6 * 24 * time.Hour)
	r := &auditReads{Store: tl.s}
	rep, err := exposure.Build(t.Context(), r, exposure.Options{TenantID: tl.tenant.ID, Since: sunday, Until: sunday.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if r.oldest.Before(sunday.Add(-2 * time.Hour)) {
		t.Errorf("the report of %s read the audit log from %s", sunday, r.oldest)
	}
	for _, a := range rep.Accounts {
		if a.Open != secs(time.Hour+45*time.Minute) {
			t.Errorf("%s open %s, want 1 h 45 min", a.Account, time.Duration(a.Open))
		}
	}
	if len(rep.Accounts) != 2 {
		t.Errorf("accounts: %+v, want night and handover", rep.Accounts)
	}
}

// TestImportedOwnerUnknown: an account an import made (no record names its
// owner) that is unowned now, after a member was removed in the period, is
// named in the caveats; one enrolled with a record is not: its owner is
// found before the period.
func TestImportedOwnerUnknown(t *testing.T) {
	ctx := t.Context()
	s := backends.SQLite(t)
	clk := clock.NewFake(monday.Add(-24 * time.Hour))
	adm := &admin.Service{Store: s, Clock: clk}
	acc := &access.Service{Store: s, Clock: clk}
	tenant, err := adm.CreateTenant(ctx, "cli:root", "acme")
	if err != nil {
		t.Fatal(err)
	}
	app, err := adm.CreateApp(ctx, "cli:root", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ivan, err := adm.CreateMember(ctx, "cli:root", admin.NewMember{TenantID: tenant.ID, Email: "ivan@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Enroll(ctx, "cli:root", app, "enrolled", "ivan@acme.test"); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { // as csvimport does
		now := clk.Now()
		if err := tx.CreateAccount(ctx, store.Account{ID: ids.New(), TenantID: tenant.ID, AppID: app.ID, Name: "imported", OwnerID: ivan.ID,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenant.ID, "cli:root", "accounts.imported", "application:"+app.ID, map[string]any{"enrolled": 1}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(monday.Add(10 * time.Hour))
	for _, a := range []string{"enrolled", "imported"} {
		if _, err := acc.Unlock(ctx, "cli:root", app, a, access.Unlock{For: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(monday.Add(34 * time.Hour))
	if _, _, err := adm.RemoveMember(ctx, admin.Operator("cli:root"), ivan.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := exposure.Build(ctx, s, exposure.Options{TenantID: tenant.ID, Since: monday, Until: monday.Add(7 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Caveats) != 2 || !strings.HasSuffix(rep.Caveats[0], ": imported at https://wiki.acme.test (made 2026-11-01T00:00:00Z).") {
		t.Errorf("caveats: %q", rep.Caveats)
	}
}
