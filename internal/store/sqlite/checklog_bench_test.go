package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// benchKey returns the signing key the check-log benchmarks name in their
// records, creating it once.
var benchKeyOnce sync.Once

func benchKey(b *testing.B, s *sqlite.Store, app store.Application) string {
	b.Helper()
	const kid = "bench-kid"
	var err error
	benchKeyOnce.Do(func() {
		err = s.Update(context.Background(), func(tx store.Tx) error {
			return tx.CreateSigningKey(context.Background(), store.SigningKey{KID: kid, AppID: app.ID, TenantID: app.TenantID,
				Algorithm: store.AlgHS256, SealedSecret: []byte("sealed"), CreatedAt: t0})
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	return kid
}

var benchRecordSeq atomic.Int64

func benchRecords(app store.Application, kid string, n int) []store.CheckRecord {
	recs := make([]store.CheckRecord, n)
	for i := range recs {
		seq := benchRecordSeq.Add(1)
		recs[i] = store.CheckRecord{ID: fmt.Sprintf("bench-%d", seq), TenantID: app.TenantID, AppID: app.ID, KID: kid,
			Account: benchName(int(seq % benchAccounts)), At: t0.Add(time.Duration(seq) * time.Microsecond), Status: "unlocked",
			IP: "192.0.2.1", Device: "bench", IntegrationType: "api"}
	}
	return recs
}

// BenchmarkAppendChecks measures one group commit of the check log (an op
// is one batch) at batch sizes a quiet and a busy server see.
func BenchmarkAppendChecks(b *testing.B) {
	s, app := benchStore(b)
	kid := benchKey(b, s, app)
	for _, size := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			batches := make([][]store.CheckRecord, b.N)
			for i := range batches {
				batches[i] = benchRecords(app, kid, size)
			}
			b.ResetTimer()
			cpu := cpuTime(b)
			for i := range b.N {
				if err := s.AppendChecks(context.Background(), batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/record")
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N*size), "cpu-ns/record")
		})
	}
}

// BenchmarkCheckStateWhileLogging is BenchmarkCheckState while the check
// log commits batches of 16 records back to back, as under load: it shows
// what the log's commits cost the lock check's reads.
func BenchmarkCheckStateWhileLogging(b *testing.B) {
	s, app := benchStore(b)
	kid := benchKey(b, s, app)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.AppendChecks(context.Background(), benchRecords(app, kid, 16)); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	b.ResetTimer()
	cpu := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 0))
		for pb.Next() {
			cs, err := s.CheckState(context.Background(), app.ID, benchName(r.IntN(benchAccounts)))
			if err != nil || !cs.Found {
				b.Errorf("CheckState: %+v, %v", cs, err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	close(stop)
	wg.Wait()
}

// cpuTime is the CPU time (user and system) this process has used, in
// nanoseconds: the check log's cost apart from waiting for the disk.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkAppendChecksTail commits batches of 2 records back to back, as
// at half of the lock check's peak (1.5–2.5 checks per commit), and
// reports the distribution of one commit's latency: a checkpoint of the
// check-log file's WAL run inside a commit shows as its p99 and max.
func BenchmarkAppendChecksTail(b *testing.B) {
	s, app := benchStore(b)
	kid := benchKey(b, s, app)
	batches := make([][]store.CheckRecord, b.N)
	for i := range batches {
		batches[i] = benchRecords(app, kid, 2)
	}
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := range b.N {
		start := time.Now()
		if err := s.AppendChecks(context.Background(), batches[i]); err != nil {
			b.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(2*b.N), "cpu-ns/record")
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))].Microseconds())
	}
	b.ReportMetric(at(0.5), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(0.999), "p99.9-µs")
	b.ReportMetric(at(1), "max-µs")
}
