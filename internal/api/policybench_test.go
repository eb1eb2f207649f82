package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

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
	run := func(s *check.Service, n, from int) time.Duration {
		start := time.Now()
		for i := range n {
			res, err := s.Check(ctx, check.Request{Token: toks[(from+i)%accounts], IP: "203.0.113.7", IntegrationType: "bench"})
			if err != nil || !res.Locked {
				b.Fatalf("check: %+v, %v", res, err)
			}
		}
		return time.Since(start)
	}
	run(with, accounts, 0) // warm both: every state and the policy set in memory
	run(without, accounts, 0)
	b.ResetTimer()
	const chunk = 200
	var tWith, tWithout time.Duration
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		tWithout += run(without, n, done)
		tWith += run(with, n, done)
	}
	b.ReportMetric(float64(tWithout)/float64(tWith), "ratio")
	b.ReportMetric(float64(tWith.Nanoseconds())/float64(b.N), "ns/check-with")
	b.ReportMetric(float64(tWithout.Nanoseconds())/float64(b.N), "ns/check-without")
}
