package ratelimit_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
)

func fixedClock() (func() time.Time, func(time.Duration)) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) }
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMillionKeysStayBounded floods a limiter with a million distinct
// addresses (as 240 000 loopback addresses once grew the old limiter to
// 55 MB): it keeps at most its cap, and a second million costs nothing more.
func TestMillionKeysStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a million keys")
	}
	now, _ := fixedClock()
	l := ratelimit.New(1, 5, ratelimit.DefaultCap)
	l.Now = now
	before := heap()
	flood := func(from int) {
		for i := from; i < from+1_000_000; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			if i >= 1<<24 {
				a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
			}
			l.Allow(ratelimit.Key(a.String()))
		}
	}
	flood(0)
	if n := l.Len(); n > ratelimit.DefaultCap {
		t.Fatalf("%d keys kept, cap %d", n, ratelimit.DefaultCap)
	}
	first := heap()
	const bound = 32 << 20
	if grown := int64(first) - int64(before); grown > bound {
		t.Fatalf("a million keys grew the heap by %d MB, want under %d MB", grown>>20, bound>>20)
	}
	if raceEnabled {
		t.Logf("heap: +%d KB after 1M keys", (int64(first)-int64(before))>>10)
		return
	}
	flood(1 << 24)
	if n := l.Len(); n > ratelimit.DefaultCap {
		t.Fatalf("%d keys kept after the second million, cap %d", n, ratelimit.DefaultCap)
	}
	second := heap()
	if grown := int64(second) - int64(before); grown > bound {
		t.Fatalf("two million keys grew the heap by %d MB, want under %d MB (not bounded)", grown>>20, bound>>20)
	}
	t.Logf("heap: +%d KB after 1M keys, +%d KB after 2M", (int64(first)-int64(before))>>10, (int64(second)-int64(before))>>10)
}

func TestLeastRecentlyUsedGoesFirst(t *testing.T) {
	now, _ := fixedClock()
	l := ratelimit.New(1, 2, 3)
	l.Now = now
	l.Allow("a")
	l.Allow("a") // a is out of events
	l.Allow("b")
	l.Allow("c")
	if _, ok := l.Wait("a"); ok {
		t.Fatal("a should be throttled")
	}
	l.Allow("a") // a is now the most recent; b the least
	l.Allow("d") // evicts b
	if l.Len() != 3 {
		t.Fatalf("len %d, want 3", l.Len())
	}
	if _, ok := l.Wait("a"); ok {
		t.Fatal("the recently used, throttled key was evicted")
	}
}

func TestIdleKeysAreDropped(t *testing.T) {
	now, advance := fixedClock()
	l := ratelimit.New(1, 2, 100)
	l.Now = now
	for i := range 50 {
		l.Allow(fmt.Sprint(i))
	}
	advance(10 * time.Second) // every bucket refilled
	l.Allow("new")
	if n := l.Len(); n != 1 {
		t.Fatalf("len %d after idle keys refilled, want 1", n)
	}
}

func TestWait(t *testing.T) {
	now, advance := fixedClock()
	l := ratelimit.New(0.5, 1, 10)
	l.Now = now
	if _, ok := l.Wait("x"); !ok || l.Len() != 0 {
		t.Fatal("an unknown key must pass and not be remembered")
	}
	if !l.Allow("x") || l.Allow("x") {
		t.Fatal("burst of 1 not applied")
	}
	wait, ok := l.Wait("x")
	if ok || wait < time.Second {
		t.Fatalf("wait %v ok %v", wait, ok)
	}
	advance(wait)
	if _, ok := l.Wait("x"); !ok {
		t.Fatal("still throttled after the wait it gave")
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"::ffff:192.0.2.1":     "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
		"member:0192-abcd-ef":  "member:0192-abcd-ef",
	} {
		if got := ratelimit.Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}
