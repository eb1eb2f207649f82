//go:build linux

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// BenchmarkCheckPolicyRatio measures what JIT policies cost the lock
// check (issue 10's target: at least 0.9 of the rate without them). With
// 1 000 policies in the tenant, 10 of them assigned to the checked
// accounts' application (context rules the request passes and schedules
// that are shut), it runs the same checks through a check service that
// evaluates policies and one that does not, alternating chunks of 200 in
// one run so that both see the same machine, and reports
// rate-with/rate-without as "ratio". Both read through one live cache and
// write an async check log, so the check's CPU, not fsync, is measured.
func BenchmarkCheckPolicyRatio(b *testing.B) {
	e := newEnv(b, nil)
	ctx := context.Background()
	const accounts = 200
	for i := range accounts {
		if _, err := e.access.Enroll(ctx, "bench", e.app, fmt.Sprintf("user%03d", i), ""); err != nil {
			b.Fatal(err)
		}
	}
	ctxDoc := json.RawMessage(`{"type":"context","action":"lock","context":{"allow_cidrs":["203.0.113.0/24","10.0.0.0/8"]}}`)
	schedDoc := json.RawMessage(`{"type":"scheduled","action":"unlock","schedule":{"zone":"Europe/Lisbon","every":"weekdays","from":"03:00","to":"04:00","start":"2026-01-01"}}`)
	now := e.clock.Now()
	if err := e.store.Update(ctx, func(tx store.Tx) error {
		for i := range 1000 {
			doc := schedDoc
			if i%2 == 0 {
				doc = ctxDoc
			}
			p := store.Policy{ID: fmt.Sprintf("p%04d", i), TenantID: e.app.TenantID, Name: fmt.Sprintf("policy %04d", i),
				Enabled: true, Document: doc, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreatePolicy(ctx, p); err != nil {
				return err
			}
			if i < 10 {
				if err := tx.Assign(ctx, store.Assignment{PolicyID: p.ID, TenantID: e.app.TenantID, AppID: e.app.ID, CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	reads := e.reads
	logw := checklog.New(e.store, checklog.Options{Mode: checklog.Async})
	defer logw.Close(ctx)
	auds, _ := token.AcceptedAudiences(publicURL, nil)
	service := func(p check.PolicyEvaluator) *check.Service {
		return check.New(check.Deps{Store: reads, Keys: reads, Clock: e.clock, Log: logw, Policies: p,
			Requests: &access.Requests{Store: reads, Clock: e.clock},
			Verifier: &token.Verifier{Audiences: auds, Leeway: time.Minute, MaxLifetime: 15 * time.Minute, Now: e.clock.Now}})
	}
	without, with := service(nil), service(check.Policies{Sets: reads})
	toks := make([]string, accounts)
	for i := range toks {
		toks[i] = e.mint(e.claims(fmt.Sprintf("user%03d", i)))
	}
	// Each half runs under a profiler label (half=with, half=without;
	// the warm-up is half=warm), so that one -cpuprofile shows both:
	// go tool pprof -tagfocus 'half=^with$' -top -cum …
	// It runs on one locked OS thread so that the thread's CPU time
	// (CLOCK_THREAD_CPUTIME_ID) is this half's checks and nothing else's: unlike
	// wall time, it does not count the time the thread waited for a core,
	// which on a loaded machine is most of it and falls on either half at
	// random.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	type cost struct{ wall, cpu time.Duration }
	run := func(s *check.Service, half string, n, from int) (c cost) {
		pprof.Do(ctx, pprof.Labels("half", half), func(ctx context.Context) {
			start, cpu0 := time.Now(), threadCPU(b)
			for i := range n {
				res, err := s.Check(ctx, check.Request{Token: toks[(from+i)%accounts], IP: "203.0.113.7", IntegrationType: "bench"})
				if err != nil || !res.Locked {
					b.Fatalf("check: %+v, %v", res, err)
				}
			}
			c = cost{time.Since(start), threadCPU(b) - cpu0}
		})
		return c
	}
	run(with, "warm", accounts, 0) // warm both: every state and the policy set in memory
	run(without, "warm", accounts, 0)
	b.ResetTimer()
	// Small chunks, alternated, spread the machine's stalls over both
	// halves alike.
	const chunk = 50
	var cWith, cWithout cost
	var pairs []float64 // each pair of chunks' CPU ratio
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		var w, p cost
		if done/chunk%2 == 0 { // each half goes first in every other pair
			w, p = run(without, "without", n, done), run(with, "with", n, done)
		} else {
			p, w = run(with, "with", n, done), run(without, "without", n, done)
		}
		cWithout.wall, cWithout.cpu = cWithout.wall+w.wall, cWithout.cpu+w.cpu
		cWith.wall, cWith.cpu = cWith.wall+p.wall, cWith.cpu+p.cpu
		if p.cpu > 0 {
			pairs = append(pairs, float64(w.cpu)/float64(p.cpu))
		}
	}
	if len(pairs) > 0 {
		slices.Sort(pairs)
		b.ReportMetric(pairs[len(pairs)/2], "cpu-ratio-median")
	}
	b.ReportMetric(float64(cWithout.wall)/float64(cWith.wall), "ratio")
	b.ReportMetric(float64(cWithout.cpu)/float64(cWith.cpu), "cpu-ratio")
	b.ReportMetric(float64(cWith.cpu.Nanoseconds())/float64(b.N), "cpu-ns/check-with")
	b.ReportMetric(float64(cWithout.cpu.Nanoseconds())/float64(b.N), "cpu-ns/check-without")
}

// threadCPU is the CPU time, user and system, of the calling OS thread
// (lock the goroutine to its thread first), from Linux's
// CLOCK_THREAD_CPUTIME_ID: to the nanosecond, where getrusage's
// RUSAGE_THREAD counts in scheduler ticks.
func threadCPU(b *testing.B) time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		b.Fatal(errno)
	}
	return time.Duration(ts.Nano())
}
