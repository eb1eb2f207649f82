// Package checklog measures what reading the check log in commit order
// (migration 0024 on PostgreSQL: check_log.xid and the index
// check_log_tenant_xid) costs the check-log insert, the lock check's write
// path. Run with a PostgreSQL server (pgtest):
//
//	go test -run '^$' -bench AppendChecks -benchtime 2000x ./bench/checklog/
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
// migrated schema by these statements: the schema before 0024, the one
// 0024 makes (the xid column default and the index leading with
// tenant_id), and the alternative of an index on (xid, seq) alone.
var schemas = []struct {
	name string
	sql  string
}{
	{"before", `DROP INDEX check_log_tenant_xid; ALTER TABLE check_log ALTER COLUMN xid SET DEFAULT '0'`},
	{"tenant-xid", ``},
	{"xid-only", `DROP INDEX check_log_tenant_xid; CREATE INDEX check_log_xid ON check_log (xid, seq)`},
}

// BenchmarkAppendChecks writes, per iteration, one check-log batch of 64
// records of 20 tenants (one transaction, as the check log's group commit
// does) into each variant's database in turn, so that the variants share
// the machine's moments, and reports each variant's ns per record and the
// ratio of 0024's to the one before. With commit=off the transactions
// commit without waiting for the WAL flush (synchronous_commit off, for
// the benchmark only), which leaves the insert's own work: the rows, the
// indexes and their WAL.
func BenchmarkAppendChecks(b *testing.B) {
	for _, sync := range []string{"on", "off"} {
		b.Run("commit="+sync, func(b *testing.B) { appendChecks(b, sync) })
	}
}

func appendChecks(b *testing.B, sync string) {
	const batch, tenants = 64, 20
	ctx := context.Background()
	stores := make([]*postgres.Store, len(schemas))
	for i, v := range schemas {
		s, err := postgres.Open(ctx, pgtest.WithParam(pgtest.NewDatabase(b), "synchronous_commit", sync), postgres.Options{AutoMigrate: true})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if v.sql != "" {
			if _, err := s.Pool().Exec(ctx, v.sql); err != nil {
				b.Fatal(err)
			}
		}
		stores[i] = s
	}
	var tn, apps []string
	for i := range tenants {
		tn, apps = append(tn, ids.New()), append(apps, fmt.Sprintf("app-%d", i))
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	recs := make([]store.CheckRecord, batch)
	took := make([]time.Duration, len(schemas))
	b.ResetTimer()
	for n := range b.N {
		for k := range schemas {
			i := (n + k) % len(schemas) // each variant first in turn
			for j := range recs {
				at = at.Add(time.Millisecond)
				recs[j] = store.CheckRecord{ID: ids.New(), TenantID: tn[j%tenants], AppID: apps[j%tenants], Account: "alice", At: at,
					Locked: j%3 == 0, Status: "locked", IP: "203.0.113.7", Device: "Firefox on Linux", IntegrationType: "cognito"}
			}
			start := time.Now()
			if err := stores[i].AppendChecks(ctx, recs); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(start)
		}
	}
	for i, v := range schemas {
		b.ReportMetric(float64(took[i].Nanoseconds())/float64(b.N*batch), v.name+"-ns/record")
	}
	b.ReportMetric(float64(took[1])/float64(took[0]), "tenant-xid/before")
	b.ReportMetric(float64(took[2])/float64(took[0]), "xid-only/before")
}
