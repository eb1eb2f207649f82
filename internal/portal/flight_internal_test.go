package portal

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestTenantFlight: while a tenant's work runs on one node, the same work
// of that tenant is refused on the other node (two store handles on one
// PostgreSQL database; one SQLite file serves one node, so its two
// "nodes" share the handle); another tenant's, or other work of the same
// tenant, is not; once it ends the tenant may run again at once; and the
// lease of a node that died mid-work runs out.
func TestTenantFlight(t *testing.T) {
	for _, b := range []struct {
		name  string
		nodes func(t *testing.T) [2]store.Leaser
	}{
		{"sqlite", func(t *testing.T) [2]store.Leaser { s := backends.SQLite(t); return [2]store.Leaser{s, s} }},
		{"postgres two nodes", func(t *testing.T) [2]store.Leaser {
			u := pgtest.NewDatabase(t)
			var out [2]store.Leaser
			for i := range out {
				s, err := postgres.Open(t.Context(), u, postgres.Options{AutoMigrate: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				out[i] = s
			}
			return out
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			nodes := b.nodes(t)
			clk := clock.NewFake(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
			one := &tenantFlight{job: "report", leases: nodes[0], clock: clk}
			two := &tenantFlight{job: "report", leases: nodes[1], clock: clk}
			verify := &tenantFlight{job: "verify", leases: nodes[1], clock: clk}
			begin := func(f *tenantFlight, tenant string, want bool) *flight {
				t.Helper()
				_, fl, ok, err := f.begin(ctx, tenant)
				if err != nil || ok != want {
					t.Fatalf("%s of %s: %v, %v; want %v", f.job, tenant, ok, err, want)
				}
				return fl
			}
			first := begin(one, "t1", true)
			begin(two, "t1", false)
			begin(two, "t2", true).end()
			begin(verify, "t1", true).end()
			first.end()
			crashed := begin(two, "t1", true)
			defer crashed.end()
			begin(one, "t1", false)
			clk.Advance(flightLease + time.Second)
			begin(one, "t1", true).end()
		})
	}
}
