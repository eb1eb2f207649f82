package policy

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// benchTenant has 1 000 policies over 100 applications, 50 groups and
// 200 members; 10 of them apply to the account of app-0 owned by mem-0
// (4 on the application, 4 on two of its owner's three groups, 2 on the
// owner), a mix of closed locks, open unlocks, allow_unlock windows and
// context rules, in several zones.
func benchTenant(countries bool) (Tenant, Account) {
	zones := []string{"Europe/Lisbon", "America/New_York", "Australia/Lord_Howe", "UTC"}
	var t Tenant
	for g := 0; g < 50; g++ {
		grp := Group{ID: fmt.Sprintf("grp-%d", g), Name: fmt.Sprintf("group %02d", g)}
		for m := g; m < 200; m += 50 {
			grp.Members = append(grp.Members, fmt.Sprintf("mem-%d", m))
		}
		t.Groups = append(t.Groups, grp)
	}
	// mem-0 is also in grp-1 and grp-2 (grp-0 already holds it).
	t.Groups[1].Members = append(t.Groups[1].Members, "mem-0")
	t.Groups[2].Members = append(t.Groups[2].Members, "mem-0")
	for i := 0; i < 1000; i++ {
		var as Assignments
		switch {
		case i < 4:
			as.Apps = []string{"app-0"}
		case i < 8:
			as.Groups = []string{fmt.Sprintf("grp-%d", i%2)}
		case i < 10:
			as.Members = []string{"mem-0"}
		default: // assigned elsewhere
			as.Apps = []string{fmt.Sprintf("app-%d", 1+i%99)}
			as.Groups = []string{fmt.Sprintf("grp-%d", 3+i%47)}
			as.Members = []string{fmt.Sprintf("mem-%d", 1+i%199)}
		}
		id := fmt.Sprintf("pol-%04d", i)
		s := Schedule{Zone: zones[i%len(zones)], Every: Weekdays, From: 8 * 60, To: 18 * 60, Start: Date{2026, 1, 1}}
		p := Policy{ID: id, Name: id, Type: Scheduled, Enabled: true, Assign: as, Schedule: &s}
		switch i % 5 {
		case 0:
			p.Action = Lock
			s.Every, s.Days, s.From, s.To = Weekly, []time.Weekday{time.Sunday}, 22*60, 2*60 // closed on Monday 10:00Z
		case 1, 2:
			p.Action = Unlock
		case 3:
			p.Action = AllowUnlock
		case 4:
			p.Type, p.Action, p.Schedule = Context, Lock, nil
			p.Context = &ContextRule{AllowCIDRs: []string{"10.0.0.0/8", "2001:db8::/32"}}
			if countries {
				p.Context = &ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}, AllowCountries: []string{"PT", "ES"}}
			}
		}
		t.Policies = append(t.Policies, p)
	}
	return t, Account{App: "app-0", Owner: "mem-0"}
}

// BenchmarkEvaluate measures the hot path: the policies of one account
// out of a tenant of 1 000, evaluated from memory.
//
//	go test -run '^$' -bench Evaluate -benchmem ./internal/policy/
func BenchmarkEvaluate(b *testing.B) {
	at := utc("2026-12-07T10:00:00Z")
	cases := []struct {
		name      string
		countries bool
		ip        string
	}{
		{"networks/allowed", false, "10.1.2.3"},
		{"networks/denied", false, "192.0.2.1"},
		{"countries/allowed", true, "203.0.113.9"},
		{"countries/denied", true, "198.51.100.1"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			tenant, acc := benchTenant(c.countries)
			s, err := NewSet(tenant, openTestGeo(b))
			if err != nil {
				b.Fatal(err)
			}
			ip := netip.MustParseAddr(c.ip)
			if n := len(s.Explain(acc, at, ip).Rules); n != 10 {
				b.Fatalf("%d policies apply, want 10", n)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Evaluate(acc, at, ip)
			}
		})
	}
}

// BenchmarkGeoIPCountry is the part of a country rule's cost that is the
// database lookup itself.
func BenchmarkGeoIPCountry(b *testing.B) {
	g := openTestGeo(b)
	ip := netip.MustParseAddr("203.0.113.9")
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := g.Country(ip); !found || err != nil {
			b.Fatal(found, err)
		}
	}
}
