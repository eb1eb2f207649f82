package policy

import (
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/lock"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// now is a Monday, 10:00 UTC: inside 09:00–17:00, outside 20:00–21:00.
var now = utc("2026-12-07T10:00:00Z")

const (
	app   = "app-1"
	owner = "mem-alice"
)

var financeGroup = Group{ID: "grp-fin", Name: "finance", Members: []string{owner, "mem-bob"}}

func onApp() Assignments { return Assignments{Apps: []string{app}} }

func scheduled(id string, action Action, open bool, as Assignments) Policy {
	s := daily("UTC", "20:00", "21:00", "2026-01-01")
	if open {
		s = daily("UTC", "09:00", "17:00", "2026-01-01")
	}
	return Policy{ID: id, Name: id, Type: Scheduled, Action: action, Enabled: true, Assign: as, Schedule: &s}
}

func context(id string, cidr string, on OnUnknown) Policy {
	return Policy{ID: id, Name: id, Type: Context, Action: Lock, Enabled: true, Assign: onApp(),
		Context: &ContextRule{AllowCIDRs: []string{cidr}}, OnUnknown: on}
}

func alert(id string, action Action) Policy {
	return Policy{ID: id, Name: id, Type: Alert, Action: action, Enabled: true, Assign: Assignments{Groups: []string{financeGroup.ID}},
		Alert: &AlertRule{On: []Trigger{OnExecute}, Notify: []Recipient{NotifyOwner}, For: 24 * time.Hour, Liftable: true}}
}

func edit(p Policy, f func(*Policy)) Policy { f(&p); return p }

func mustSet(t testing.TB, tenant Tenant, geo Geo) *Set {
	t.Helper()
	if tenant.Groups == nil {
		tenant.Groups = []Group{financeGroup}
	}
	s, err := NewSet(tenant, geo)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPrecedence is design §3 steps 3–5 as a table: hard locks before
// context denials before unlock schedules; any lock wins, any denial
// wins, one active unlock is enough.
func TestPrecedence(t *testing.T) {
	office := netip.MustParseAddr("10.1.2.3")
	away := netip.MustParseAddr("192.0.2.7")
	tests := []struct {
		name     string
		policies []Policy
		execs    []Execution
		ip       netip.Addr
		hard     bool
		denied   bool
		unlocked bool
		decider  string
	}{
		{"no policy", nil, nil, away, false, false, false, ""},
		{"active lock", []Policy{scheduled("lock-on", Lock, true, onApp())}, nil, away, true, false, false, "lock-on"},
		{"closed lock", []Policy{scheduled("lock-off", Lock, false, onApp())}, nil, away, false, false, false, ""},
		{"lock beats context and unlock", []Policy{
			scheduled("lock-on", Lock, true, onApp()), context("office", "10.0.0.0/8", ""), scheduled("unlock-on", Unlock, true, onApp())},
			nil, away, true, true, true, "lock-on"},
		{"context beats unlock", []Policy{context("office", "10.0.0.0/8", ""), scheduled("unlock-on", Unlock, true, onApp())},
			nil, away, false, true, true, "office"},
		{"context passes, unlock opens", []Policy{context("office", "10.0.0.0/8", ""), scheduled("unlock-on", Unlock, true, onApp())},
			nil, office, false, false, true, "unlock-on"},
		{"any context denial wins", []Policy{context("a-office", "10.0.0.0/8", ""), context("b-lab", "192.168.0.0/16", "")},
			nil, office, false, true, false, "b-lab"},
		{"one open unlock is enough", []Policy{scheduled("a-unlock-off", Unlock, false, onApp()), scheduled("b-unlock-on", Unlock, true, onApp())},
			nil, away, false, false, true, "b-unlock-on"},
		{"closed unlock opens nothing", []Policy{scheduled("unlock-off", Unlock, false, onApp())}, nil, away, false, false, false, ""},
		{"no IP: on_unknown deny by default", []Policy{context("office", "10.0.0.0/8", "")}, nil, netip.Addr{}, false, true, false, "office"},
		{"no IP: on_unknown deny", []Policy{context("office", "10.0.0.0/8", Deny)}, nil, netip.Addr{}, false, true, false, "office"},
		{"no IP: on_unknown allow", []Policy{context("office", "10.0.0.0/8", Allow)}, nil, netip.Addr{}, false, false, false, ""},
		{"disabled lock does nothing", []Policy{edit(scheduled("lock-on", Lock, true, onApp()), func(p *Policy) { p.Enabled = false })},
			nil, away, false, false, false, ""},
		{"lock past active_until does nothing", []Policy{edit(scheduled("lock-on", Lock, true, onApp()), func(p *Policy) { p.ActiveUntil = now })},
			nil, away, false, false, false, ""},
		{"lock before active_from does nothing", []Policy{edit(scheduled("lock-on", Lock, true, onApp()), func(p *Policy) { p.ActiveFrom = now.Add(time.Second) })},
			nil, away, false, false, false, ""},
		{"allow_unlock neither locks nor opens", []Policy{scheduled("allow-on", AllowUnlock, true, onApp())}, nil, away, false, false, false, ""},
		{"executed alert locks the group", []Policy{alert("siem", Lock)},
			[]Execution{{PolicyID: "siem", At: now.Add(-time.Hour), Until: now.Add(time.Hour)}}, away, true, false, false, "siem"},
		{"lifted alert does not", []Policy{alert("siem", Lock)},
			[]Execution{{PolicyID: "siem", At: now.Add(-time.Hour), Until: now.Add(time.Hour), LiftedAt: now.Add(-time.Minute)}}, away, false, false, false, ""},
		{"ended alert does not", []Policy{alert("siem", Lock)},
			[]Execution{{PolicyID: "siem", At: now.Add(-2 * time.Hour), Until: now.Add(-time.Hour)}}, away, false, false, false, ""},
		{"unexecuted alert does not", []Policy{alert("siem", Lock)}, nil, away, false, false, false, ""},
		{"application's lock is named before the member's", []Policy{
			scheduled("a-member-lock", Lock, true, Assignments{Members: []string{owner}}), scheduled("z-app-lock", Lock, true, onApp())},
			nil, away, true, false, false, "z-app-lock"},
		{"group's lock is named before the member's", []Policy{
			scheduled("a-member-lock", Lock, true, Assignments{Members: []string{owner}}), scheduled("z-group-lock", Lock, true, Assignments{Groups: []string{financeGroup.ID}})},
			nil, away, true, false, false, "z-group-lock"},
		{"another group's lock does not apply", []Policy{scheduled("lock-on", Lock, true, Assignments{Groups: []string{"grp-other"}})},
			nil, away, false, false, false, ""},
		{"another application's lock does not apply", []Policy{scheduled("lock-on", Lock, true, Assignments{Apps: []string{"app-2"}})},
			nil, away, false, false, false, ""},
		{"another member's lock does not apply", []Policy{scheduled("lock-on", Lock, true, Assignments{Members: []string{"mem-bob"}})},
			nil, away, false, false, false, ""},
		{"a policy with no assignment applies to nothing", []Policy{scheduled("lock-on", Lock, true, Assignments{})},
			nil, away, false, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSet(t, Tenant{Policies: tt.policies, Executions: tt.execs}, nil)
			v := s.Evaluate(Account{App: app, Owner: owner}, now, tt.ip)
			if (v.HardLock == lock.HardLockPolicy) != tt.hard || (v.HardLock != lock.HardLockNone && v.HardLock != lock.HardLockPolicy) {
				t.Errorf("HardLock = %q, want hard lock %v", v.HardLock, tt.hard)
			}
			if v.ContextDenied != tt.denied || v.Scheduled != tt.unlocked {
				t.Errorf("ContextDenied, Scheduled = %v, %v; want %v, %v", v.ContextDenied, v.Scheduled, tt.denied, tt.unlocked)
			}
			if v.Decider() != tt.decider {
				t.Errorf("Decider = %q, want %q", v.Decider(), tt.decider)
			}
			if v.ContextDenied != (v.ContextReason != "") {
				t.Errorf("ContextReason = %q with ContextDenied %v", v.ContextReason, v.ContextDenied)
			}
			// Explain must reach the same verdict as the hot path.
			if ex := s.Explain(Account{App: app, Owner: owner}, now, tt.ip); ex.Verdict != v || ex.DecidedBy != tt.decider {
				t.Errorf("Explain verdict %+v, Evaluate %+v", ex.Verdict, v)
			}
		})
	}
}

func TestOwnerlessAccountGetsOnlyApplicationPolicies(t *testing.T) {
	s := mustSet(t, Tenant{Policies: []Policy{
		scheduled("group-lock", Lock, true, Assignments{Groups: []string{financeGroup.ID}}),
		scheduled("app-unlock", Unlock, true, onApp()),
	}}, nil)
	v := s.Evaluate(Account{App: app}, now, netip.Addr{})
	if v.HardLock != lock.HardLockNone || !v.Scheduled {
		t.Errorf("Evaluate = %+v", v)
	}
}

func TestContextReasonNamesTheRuleNotTheAllowList(t *testing.T) {
	geo := openTestGeo(t)
	p := context("Finance office", "10.0.0.0/8", "")
	p.Context.AllowCountries = []string{"PT"}
	s := mustSet(t, Tenant{Policies: []Policy{p}}, geo)
	v := s.Evaluate(Account{App: app, Owner: owner}, now, netip.MustParseAddr("198.51.100.1"))
	if !v.ContextDenied || !strings.Contains(v.ContextReason, `"Finance office"`) || !strings.Contains(v.ContextReason, "198.51.100.1") {
		t.Errorf("ContextReason = %q", v.ContextReason)
	}
	if strings.Contains(v.ContextReason, "10.0.0.0") || strings.Contains(v.ContextReason, "PT") {
		t.Errorf("ContextReason %q reveals what is allowed", v.ContextReason)
	}
	if v := s.Evaluate(Account{App: app, Owner: owner}, now, netip.MustParseAddr("203.0.113.9")); v.ContextDenied {
		t.Errorf("Portugal refused: %s", v.ContextReason)
	}
	if v := s.Evaluate(Account{App: app, Owner: owner}, now, netip.MustParseAddr("192.0.2.1")); !v.ContextDenied {
		t.Error("an address the database does not know passed with on_unknown deny")
	}
}

func TestPermission(t *testing.T) {
	acc := Account{App: app, Owner: owner}
	tests := []struct {
		name       string
		policies   []Policy
		restricted bool
		allowed    bool
		policy     string
		until      string
	}{
		{"no allow_unlock: not restricted", []Policy{scheduled("lock-on", Lock, true, onApp())}, false, false, "", ""},
		{"open window allows until its end", []Policy{scheduled("allow-on", AllowUnlock, true, onApp())}, true, true, "allow-on", "2026-12-07T17:00:00Z"},
		{"closed window refuses until the next opens", []Policy{scheduled("allow-off", AllowUnlock, false, onApp())}, true, false, "allow-off", "2026-12-07T20:00:00Z"},
		{"one open window is enough", []Policy{scheduled("a-off", AllowUnlock, false, onApp()), scheduled("b-on", AllowUnlock, true, onApp())},
			true, true, "b-on", "2026-12-07T17:00:00Z"},
		{"a disabled allow_unlock restricts nothing", []Policy{edit(scheduled("allow-off", AllowUnlock, false, onApp()), func(p *Policy) { p.Enabled = false })},
			false, false, "", ""},
		{"an ended schedule never opens again", []Policy{
			edit(scheduled("allow-off", AllowUnlock, false, onApp()), func(p *Policy) { p.ActiveUntil = now.Add(time.Hour) }),
			scheduled("unused", AllowUnlock, false, Assignments{Apps: []string{"app-2"}})},
			true, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSet(t, Tenant{Policies: tt.policies}, nil)
			p := s.Permission(acc, now)
			if p.Restricted != tt.restricted || p.Allowed != tt.allowed || p.PolicyID != tt.policy {
				t.Errorf("Permission = %+v", p)
			}
			if (tt.until == "" && !p.Until.IsZero()) || (tt.until != "" && !p.Until.Equal(utc(tt.until))) {
				t.Errorf("Until = %s, want %q", p.Until, tt.until)
			}
			if tt.restricted && !tt.allowed && p.Reason == "" {
				t.Error("refused without a reason")
			}
		})
	}
}

func TestPolicyErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name  string
		p     Policy
		field string
	}{
		{"no name", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.Name = " " }), "name"},
		{"unknown type", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.Type = "quorum" }), "type"},
		{"unknown action", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.Action = "open" }), "action"},
		{"scheduled without schedule", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.Schedule = nil }), "schedule"},
		{"bad zone inside", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.Schedule.Zone = "Mars/Olympus" }), "schedule.zone"},
		{"context that unlocks", edit(context("x", "10.0.0.0/8", ""), func(p *Policy) { p.Action = Unlock }), "action"},
		{"bad CIDR", context("x", "10.0.0.0/40", ""), "context.allow_cidrs"},
		{"bad on_unknown", context("x", "10.0.0.0/8", "maybe"), "on_unknown"},
		{"on_unknown on a schedule", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.OnUnknown = Allow }), "on_unknown"},
		{"until before from", edit(scheduled("x", Lock, true, onApp()), func(p *Policy) { p.ActiveFrom, p.ActiveUntil = now, now.Add(-time.Hour) }), "active_until"},
		{"alert without events", edit(alert("x", Lock), func(p *Policy) { p.Alert.On = nil }), "alert.on"},
		{"alert forever and not liftable", edit(alert("x", Lock), func(p *Policy) { p.Alert.For, p.Alert.Liftable = 0, false }), "alert.for"},
		{"blocked_signin alert under a minute", edit(alert("x", Lock), func(p *Policy) {
			p.Alert.On, p.Alert.For = []Trigger{OnBlockedSignin}, time.Second
		}), "alert.for"},
		{"alert notifies nobody known", edit(alert("x", Lock), func(p *Policy) { p.Alert.Notify = []Recipient{"sms"} }), "alert.notify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	for _, p := range []Policy{scheduled("x", Lock, true, onApp()), context("x", "10.0.0.0/8", Allow), alert("x", Lock)} {
		if err := p.Validate(); err != nil {
			t.Errorf("valid %s policy: %v", p.Type, err)
		}
	}
	if _, err := NewSet(Tenant{Policies: []Policy{scheduled("x", Lock, true, onApp()), scheduled("x", Unlock, true, onApp())}}, nil); err == nil {
		t.Error("NewSet accepted two policies with one ID")
	}
	// A policy that does not compile fails the Set while enabled (a lock
	// must not be left out) but not while disabled (it decides nothing).
	broken := scheduled("bad", Lock, true, onApp())
	broken.Schedule.Zone = "Nowhere/Atlantis"
	if _, err := NewSet(Tenant{Policies: []Policy{broken}}, nil); err == nil {
		t.Error("NewSet accepted an enabled policy that does not compile")
	}
	broken.Enabled = false
	if s, err := NewSet(Tenant{Policies: []Policy{broken, scheduled("ok", Lock, true, onApp())}}, nil); err != nil || s == nil {
		t.Errorf("a disabled policy that does not compile failed the Set: %v", err)
	}
	if err := (Group{Name: "finance", Members: []string{"m1", "m1"}}).Validate(); err == nil || !strings.Contains(err.Error(), "members") {
		t.Errorf("Group.Validate = %v", err)
	}
}

// TestExplainText compares what explain shows people with golden files
// (go test -run TestExplainText -update rewrites them).
func TestExplainText(t *testing.T) {
	geo := openTestGeo(t)
	lisbon := Schedule{Zone: "Europe/Lisbon", Every: Weekdays, From: tod("08:00"), To: tod("18:00"), Start: date("2026-12-01")}
	finance := Assignments{Groups: []string{financeGroup.ID}}
	officeHours := Policy{ID: "pol-hours", Name: "Finance office hours", Type: Scheduled, Action: Unlock, Enabled: true, Assign: finance, Schedule: &lisbon}
	office := Policy{ID: "pol-office", Name: "Office or Portugal", Type: Context, Action: Lock, Enabled: true, Assign: finance,
		Context: &ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}, AllowCountries: []string{"PT"}}}
	freeze := Policy{ID: "pol-freeze", Name: "Year-end freeze", Type: Scheduled, Action: Lock, Enabled: true, Assign: onApp(),
		Schedule: &Schedule{Zone: "Europe/Lisbon", Every: Annually, From: tod("00:00"), To: tod("24:00"), Start: date("2026-12-31")}}
	approve := Policy{ID: "pol-approve", Name: "Approvals in office hours", Type: Scheduled, Action: AllowUnlock, Enabled: true, Assign: onApp(), Schedule: &lisbon}
	siem := alert("pol-siem", Lock)
	siem.Name = "SIEM incident"
	s := mustSet(t, Tenant{Policies: []Policy{officeHours, office, freeze, approve, siem}}, geo)
	acc := Account{App: app, Owner: owner}
	tests := []struct {
		golden string
		at     string
		ip     string
	}{
		{"explain_open_from_portugal", "2026-12-07T10:00:00Z", "203.0.113.9"},
		{"explain_denied_abroad", "2026-12-07T10:00:00Z", "198.51.100.1"},
		{"explain_night_from_office", "2026-12-07T22:00:00Z", "10.0.0.7"},
		{"explain_freeze_no_ip", "2026-12-31T10:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var ip netip.Addr
			if tt.ip != "" {
				ip = netip.MustParseAddr(tt.ip)
			}
			got := s.Explain(acc, utc(tt.at), ip).String()
			path := filepath.Join("testdata", tt.golden+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("explain text changed:\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

func TestExplanationJSON(t *testing.T) {
	s := mustSet(t, Tenant{Policies: []Policy{context("office", "10.0.0.0/8", "")}}, nil)
	b, err := json.Marshal(s.Explain(Account{App: app, Owner: owner}, now, netip.MustParseAddr("192.0.2.7")))
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		IP      string `json:"ip"`
		Rules   []Rule `json:"rules"`
		Verdict struct {
			ContextDenied bool   `json:"context_denied"`
			ContextPolicy string `json:"context_policy"`
		} `json:"verdict"`
		DecidedBy string `json:"decided_by"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.IP != "192.0.2.7" || len(back.Rules) != 1 || !back.Rules[0].Applies || !back.Verdict.ContextDenied ||
		back.Verdict.ContextPolicy != "office" || back.DecidedBy != "office" {
		t.Errorf("JSON = %s", b)
	}
}

// TestTriggeredAndReacts: Reacts says whether any enabled alert policy of
// the tenant runs on an event; Triggered lists those that reach one
// account, each once.
func TestTriggeredAndReacts(t *testing.T) {
	onSignin := edit(alert("pol-signin", Lock), func(p *Policy) {
		p.Alert.On = []Trigger{OnBlockedSignin, OnExecute}
		p.Assign.Apps = []string{app} // reaches the account twice: by app and by group
	})
	off := edit(alert("pol-off", Lock), func(p *Policy) { p.Alert.On, p.Enabled = []Trigger{OnUnlockOutsideWindow}, false })
	s := mustSet(t, Tenant{Policies: []Policy{onSignin, off, alert("pol-siem", Lock)}}, nil)
	for _, tc := range []struct {
		on   Trigger
		want bool
	}{{OnBlockedSignin, true}, {OnExecute, true}, {OnUnlockOutsideWindow, false}} {
		if got := s.Reacts(tc.on); got != tc.want {
			t.Errorf("Reacts(%s) = %v, want %v", tc.on, got, tc.want)
		}
	}
	if got := s.Triggered(Account{App: app, Owner: owner}, OnBlockedSignin); !slices.Equal(got, []string{"pol-signin"}) {
		t.Errorf("Triggered = %v, want [pol-signin] once", got)
	}
	if got := s.Triggered(Account{App: "app-other", Owner: "mem-nobody"}, OnBlockedSignin); len(got) != 0 {
		t.Errorf("Triggered for an account no policy reaches = %v", got)
	}
}
