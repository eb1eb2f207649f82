package api_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
)

// BenchmarkCheckHandler measures the lock check in process (no sockets) on
// real SQLite with 10 000 accounts, a tenth of them unlocked, and the sync
// check log. It reports the process's CPU time per check (cpu-µs/op, every
// goroutine's, the check log's and the collector's included) beside the
// wall time, which the check log's fsyncs dominate. Run with -cpuprofile
// to see where a check's CPU goes.
func BenchmarkCheckHandler(b *testing.B) {
	e := newEnv(b, nil)
	const n = 10000
	var p csvimport.Parsed
	for i := range n {
		p.Rows = append(p.Rows, csvimport.Row{Line: i + 2, Account: fmt.Sprintf("user%05d", i), Unlock: i%10 == 0})
	}
	if _, err := csvimport.Apply(context.Background(), e.store, "bench", e.app, p, e.clock.Now(), nil); err != nil {
		b.Fatal(err)
	}
	toks := make([]string, 1000)
	for i := range toks {
		toks[i] = e.mint(e.claims(fmt.Sprintf("user%05d", rand.IntN(n))))
	}
	mux := http.NewServeMux()
	e.api.Register(mux)
	body := []byte(`{"userIP":"203.0.113.7","userDevice":"Mozilla/5.0","integrationType":"bench"}`)
	b.SetParallelism(16) // 32 concurrent checks on 2 cores, as a loaded server sees
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(toks))
		for pb.Next() {
			i = (i + 1) % len(toks)
			r := httptest.NewRequest(http.MethodPost, api.PathProtectionCheck, bytes.NewReader(body))
			r.Header.Set("x-nl3-authorization-token", toks[i])
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time, user and system, this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
