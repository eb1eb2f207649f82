package floor

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// cpuTime is the CPU time, user and system, this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f under the timer and reports the process's CPU per
// operation (scaled by per: 8 checks per batch makes it per check).
func measure(b *testing.B, unit string, per int, f func()) {
	b.Helper()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	f()
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/1e3/float64(b.N*per), unit)
}

// sampleToken is a lock-check token as the benchmark's load generator
// mints them.
func sampleToken(b *testing.B, k token.Key) string {
	now := time.Now()
	raw, err := token.Mint(k, token.Claims{Issuer: "https://bench.example", Subject: bench.AccountName(4711),
		Audience: []string{"http://127.0.0.1:8080"}, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute)})
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkHTTP: one POST of the benchmark's body and token over a
// loopback keep-alive connection, answered by bench.Baseline under
// net/http, or by a plain TCP loop that reads the request and writes the
// same answer (the sockets and the client without net/http). 8
// connections at once, as a loaded server sees several.
func BenchmarkHTTP(b *testing.B) {
	secret := bytes.Repeat([]byte{7}, 32)
	req := bench.Post("127.0.0.1:8080", bench.CheckPath, bench.CheckBody,
		"x-nl3-authorization-token", sampleToken(b, token.Key{Algorithm: token.HS256, Secret: secret}))
	b.Run("net-http-bare", func(b *testing.B) {
		ln := listen(b)
		srv := &http.Server{Handler: bench.Baseline()}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		drive(b, ln.Addr().String(), req)
	})
	b.Run("raw-tcp", func(b *testing.B) {
		ln := listen(b)
		go rawServe(ln)
		b.Cleanup(func() { ln.Close() })
		drive(b, ln.Addr().String(), req)
	})
}

func listen(b *testing.B) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return ln
}

// drive sends b.N requests over 8 connections, each waiting for its
// answer before sending again, as bench.Run's workers do.
func drive(b *testing.B, addr string, req []byte) {
	const conns = 8
	var wg sync.WaitGroup
	next := make(chan struct{}, 1024)
	measure(b, "cpu-µs/op", 1, func() {
		for range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for range next {
					if _, err := c.Write(req); err != nil {
						b.Error(err)
						return
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		for range b.N {
			next <- struct{}{}
		}
		close(next)
		wg.Wait()
	})
}

// rawServe answers every request on every connection with
// bench.BaselineAnswer, parsing no more than it must: the header's end and
// Content-Length.
func rawServe(ln net.Listener) {
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(bench.BaselineAnswer)) + "\r\n\r\n" + bench.BaselineAnswer)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			br := bufio.NewReaderSize(c, 8192)
			for {
				n := 0
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(line) <= 2 {
						break
					}
					if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
						n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
					}
				}
				if _, err := br.Discard(n); err != nil {
					return
				}
				if _, err := c.Write(answer); err != nil {
					return
				}
			}
		}()
	}
}

// BenchmarkRequest: what the check handler does with a request before
// the check service sees it: the token header and the NL3 body.
func BenchmarkRequest(b *testing.B) {
	r, err := http.NewRequest(http.MethodPost, bench.CheckPath, nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("x-nl3-authorization-token", sampleToken(b, token.Key{Algorithm: token.HS256, Secret: bytes.Repeat([]byte{7}, 32)}))
	var body bytes.Reader
	measure(b, "cpu-µs/op", 1, func() {
		for range b.N {
			body.Reset(bench.CheckBody)
			r.Body = io.NopCloser(&body)
			var cb api.CheckBody
			if err := httpx.DecodeJSON(r, api.MaxBody, &cb); err != nil {
				b.Fatal(err)
			}
			if httpx.AuthToken(r) == "" || cb.UserIP == "" {
				b.Fatal("nothing read")
			}
		}
	})
}

// BenchmarkToken: token.Parse alone, then Parse and VerifyToken with one
// key of each algorithm.
func BenchmarkToken(b *testing.B) {
	v := &token.Verifier{Audiences: []string{"http://127.0.0.1:8080"}}
	hs := token.Key{KID: "k1", Algorithm: token.HS256, Secret: bytes.Repeat([]byte{7}, 32)}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	keys := []struct {
		name         string
		sign, verify token.Key
	}{
		{"HS256", hs, hs},
		{"ES256", token.Key{KID: "k1", Algorithm: token.ES256, PrivateKey: ec}, token.Key{KID: "k1", Algorithm: token.ES256, Public: &ec.PublicKey}},
		{"EdDSA", token.Key{KID: "k1", Algorithm: token.EdDSA, PrivateKey: ed}, token.Key{KID: "k1", Algorithm: token.EdDSA, Public: ed.Public()}},
	}
	b.Run("parse", func(b *testing.B) {
		raw := sampleToken(b, hs)
		measure(b, "cpu-µs/op", 1, func() {
			for range b.N {
				if _, err := token.Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	for _, k := range keys {
		b.Run("parse+verify-"+k.name, func(b *testing.B) {
			raw := sampleToken(b, k.sign)
			ks := []token.Key{k.verify}
			measure(b, "cpu-µs/op", 1, func() {
				for range b.N {
					t, err := token.Parse(raw)
					if err != nil {
						b.Fatal(err)
					}
					if _, _, err := v.VerifyToken(t, ks); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// batch is a group commit's size in the 1 M sync closed loop of
// bench/run.sh (7–10 checks per commit, bench/README.md).
const batch = 8

// BenchmarkCommit: one durable write of a batch of check records on the
// disk the test's temporary directory is on (set TMPDIR to measure
// another): a raw append of about a record's bytes per check and one
// fdatasync, and the check log's own commit of the same batch. cpu-µs/op
// and ns/op are per batch; cpu-µs/check divides by the batch.
func BenchmarkCommit(b *testing.B) {
	b.Run(fmt.Sprintf("append+fdatasync-%d", batch), func(b *testing.B) {
		f, err := os.OpenFile(filepath.Join(b.TempDir(), "log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rec := bytes.Repeat([]byte("x"), 200*batch)
		commit(b, func() error {
			if _, err := f.Write(rec); err != nil {
				return err
			}
			return syscall.Fdatasync(int(f.Fd()))
		})
	})
	b.Run(fmt.Sprintf("sqlite-AppendChecks-%d", batch), func(b *testing.B) {
		s := backends.SQLite(b)
		now := time.Now()
		recs := make([]store.CheckRecord, batch)
		commit(b, func() error {
			for i := range recs {
				recs[i] = store.CheckRecord{ID: ids.New(), TenantID: "t1", AppID: "a1", KID: "k1", Account: bench.AccountName(i),
					At: now, Locked: true, Status: "locked", IP: "198.51.100.23", Device: "Mozilla/5.0 (X11; Linux x86_64) deadbolt-bench",
					IntegrationType: "cognito"}
			}
			return s.AppendChecks(context.Background(), recs)
		})
	})
}

// commit runs f b.N times and reports its CPU per batch and per check,
// and the p50 and p99 of one batch's wall time: the tail of a commit
// that a check in sync mode waits for, which the raw append shows is
// the disk's own (bench/README.md, "The tail of a commit").
func commit(b *testing.B, f func() error) {
	took := make([]time.Duration, b.N)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	b.StopTimer()
	cpu := float64((cpuTime(b) - cpu0).Nanoseconds()) / 1e3 / float64(b.N)
	b.ReportMetric(cpu, "cpu-µs/op")
	b.ReportMetric(cpu/batch, "cpu-µs/check")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/batch, "wall-µs/check")
	slices.Sort(took)
	b.ReportMetric(float64(took[b.N/2].Microseconds()), "p50-µs/op")
	b.ReportMetric(float64(took[b.N*99/100].Microseconds()), "p99-µs/op")
}

// BenchmarkCache: a lock check's reads of a known application, its key
// and a known account's state, all answered from memory by the cache the
// server runs, fed by the SQLite store's change feed (whose poll, a read
// of the WAL-index header, is included).
func BenchmarkCache(b *testing.B) {
	ctx := context.Background()
	s := backends.SQLite(b)
	box, err := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	clk := clock.NewFake(time.Now())
	ad := &admin.Service{Store: s, Clock: clk, Box: box}
	tenant, err := ad.CreateTenant(ctx, "bench", "acme")
	if err != nil {
		b.Fatal(err)
	}
	app, err := ad.CreateApp(ctx, "bench", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: "https://bench.example"})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := ad.CreateKey(ctx, "bench", app, time.Time{}); err != nil {
		b.Fatal(err)
	}
	const n = 1000
	var p csvimport.Parsed
	for i := range n {
		p.Rows = append(p.Rows, csvimport.Row{Line: i + 2, Account: bench.AccountName(i), Unlock: i%10 == 0})
	}
	if _, err := csvimport.Apply(ctx, s, "bench", app, p, clk.Now(), nil); err != nil {
		b.Fatal(err)
	}
	c := cache.New(s, cache.Options{Box: box})
	feedCtx, stop := context.WithCancel(ctx)
	fed := make(chan struct{})
	go func() { c.Run(feedCtx, s); close(fed) }()
	defer func() { stop(); <-fed }()
	for deadline := time.Now().Add(10 * time.Second); !c.Live(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the cache did not go live")
		}
	}
	for i := range n { // warm: every read below is a hit
		if _, err := c.CheckState(ctx, app.ID, bench.AccountName(i)); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, err := c.ApplicationAndKeys(ctx, app.Issuer); err != nil {
		b.Fatal(err)
	}
	misses := c.Stats().Misses
	measure(b, "cpu-µs/op", 1, func() {
		for i := range b.N {
			if _, _, err := c.ApplicationAndKeys(ctx, app.Issuer); err != nil {
				b.Fatal(err)
			}
			if st, err := c.CheckState(ctx, app.ID, bench.AccountName(i%n)); err != nil || !st.Found {
				b.Fatal(st, err)
			}
		}
	})
	if m := c.Stats().Misses; m != misses {
		b.Fatalf("%d reads missed the cache", m-misses)
	}
}
