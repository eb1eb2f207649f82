// Package checklog measures what reading the check log in commit order
// (migration 0024 on PostgreSQL: check_log.xid and the index
// check_log_tenant_xid) costs the check-log insert, the lock check's write
// path. Run with a PostgreSQL server (pgtest):
//
//	go test -run '^$' -bench AppendChecks -benchtime 3000x -count 3 ./bench/checklog/
package checklog

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// schemas are the check_log variants compared, each made from the
// migrated schema by these statements.
var schemas = []struct {
	name string
	sql  string
}{
	{"before-0024", `DROP INDEX check_log_tenant_xid; ALTER TABLE check_log ALTER COLUMN xid SET DEFAULT '0'`},
	{"0024-tenant-xid-seq", ``},
	{"xid-seq-index", `DROP INDEX check_log_tenant_xid; CREATE INDEX check_log_xid ON check_log (xid, seq)`},
}

// BenchmarkAppendChecks writes check-log batches of 64 records of 20
// tenants (one transaction each, as the check log's group commit does)
// into each variant, in the same run, and reports ns per record. The
// first variant is the schema before 0024, the second the one 0024 makes
// (the xid column default and the index leading with tenant_id), the
// third the alternative of an index on (xid, seq) alone.
func BenchmarkAppendChecks(b *testing.B) {
	const batch, tenants = 64, 20
	for _, v := range schemas {
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := postgres.Open(ctx, pgtest.NewDatabase(b), postgres.Options{AutoMigrate: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if v.sql != "" {
				if _, err := s.Pool().Exec(ctx, v.sql); err != nil {
					b.Fatal(err)
				}
			}
			var tn, apps []string
			for i := range tenants {
				tn, apps = append(tn, ids.New()), append(apps, fmt.Sprintf("app-%d", i))
			}
			at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			recs := make([]store.CheckRecord, batch)
			next := func() {
				for i := range recs {
					at = at.Add(time.Millisecond)
					k := i % tenants
					recs[i] = store.CheckRecord{ID: ids.New(), TenantID: tn[k], AppID: apps[k], Account: "alice", At: at,
						Locked: i%3 == 0, Status: "locked", IP: "203.0.113.7", Device: "Firefox on Linux", IntegrationType: "cognito"}
				}
			}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				next()
				b.StartTimer()
				if err := s.AppendChecks(ctx, recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/record")
		})
	}
}
