package egress_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
)

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		public   bool // allowed by the zero Policy
		liftable bool // allowed with AllowPrivate
	}{
		{"8.8.8.8", true, true},
		{"1.1.1.1", true, true},
		{"2606:4700:4700::1111", true, true},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"172.31.255.255", false, true},
		{"172.32.0.1", true, true},
		{"192.168.1.1", false, true},
		{"fd12:3456::1", false, true},
		{"169.254.1.1", false, true},
		{"fe80::1", false, true},
		{"fe80::1%eth0", false, true},
		{"100.64.0.1", false, true},
		{"100.127.255.255", false, true},
		{"100.128.0.1", true, true},
		{"0.1.2.3", false, true},
		{"192.0.2.1", false, true},
		{"198.18.0.1", false, true},
		{"240.0.0.1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"::ffff:10.0.0.1", false, true},
		{"::ffff:8.8.8.8", true, true},
		{"64:ff9b::a00:1", false, true},     // NAT64 of 10.0.0.1
		{"64:ff9b::808:808", true, true},    // NAT64 of 8.8.8.8
		{"2002:7f00:1::1", false, true},     // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false, false}, // 6to4 of 169.254.169.254
		{"2001:db8::1", false, true},
		// Never, whatever the policy.
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
		{"fd00:ec2::254", false, false},
		{"100.100.100.200", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"239.255.255.250", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tc.addr)
			err := egress.Policy{}.CheckAddr(tc.addr, a)
			if (err == nil) != tc.public {
				t.Errorf("default policy: %v, want allowed %v", err, tc.public)
			}
			if err != nil && !errors.Is(err, egress.ErrRefused) {
				t.Errorf("refusal %v does not wrap ErrRefused", err)
			}
			err = egress.Policy{AllowPrivate: true}.CheckAddr(tc.addr, a)
			if (err == nil) != tc.liftable {
				t.Errorf("AllowPrivate: %v, want allowed %v", err, tc.liftable)
			}
		})
	}
}

func TestCheckHost(t *testing.T) {
	res := egresstest.Static{
		"public.example":   {netip.MustParseAddr("93.184.215.14")},
		"sneaky.example":   {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.7")},
		"metadata.example": {netip.MustParseAddr("169.254.169.254")},
	}
	for _, tc := range []struct {
		host           string
		public, lifted bool
		reason         string
	}{
		{"public.example", true, true, ""},
		{"not-yet.example", true, true, ""}, // does not resolve: the dialer guards it
		{"localhost", false, true, "loopback"},
		{"LOCALHOST.", false, true, "loopback"},
		{"api.localhost", false, true, "loopback"},
		{"127.0.0.1", false, true, "loopback"},
		{"::1", false, true, "loopback"},
		{"10.0.0.1", false, true, "private"},
		{"sneaky.example", false, true, "private"},
		{"169.254.169.254", false, false, "metadata"},
		{"metadata.example", false, false, "metadata"},
		{"", false, false, ""},
	} {
		t.Run(tc.host, func(t *testing.T) {
			err := egress.Policy{Resolver: res}.CheckHost(t.Context(), tc.host)
			if (err == nil) != tc.public {
				t.Fatalf("default policy: %v, want allowed %v", err, tc.public)
			}
			var re *egress.RefusedError
			if err != nil && (!errors.As(err, &re) || re.Liftable != tc.lifted || !strings.Contains(re.Error(), tc.reason)) {
				t.Errorf("refusal %#v: want liftable %v, reason %q", err, tc.lifted, tc.reason)
			}
			err = egress.Policy{Resolver: res, AllowPrivate: true}.CheckHost(t.Context(), tc.host)
			if (err == nil) != tc.lifted {
				t.Errorf("AllowPrivate: %v, want allowed %v", err, tc.lifted)
			}
		})
	}
}

// TestClientChecksTheDialledAddress: a name that resolves to loopback at
// dial time (as after DNS rebinding) is refused by the dialer, although
// nothing checked the name before; with AllowPrivate it is reached.
func TestClientChecksTheDialledAddress(t *testing.T) {
	srv, hits := counter(t)
	viaName := "http://localhost:" + port(srv) + "/"
	for _, raw := range []string{srv.URL, viaName} {
		_, err := egress.Policy{}.Client(5 * time.Second).Get(raw)
		if f := egress.Classify(err); f == nil || f.Class != egress.ClassRefused || f.Error() != egress.ClassRefused {
			t.Fatalf("GET %s with the default policy: %v", raw, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver was reached %d times", n)
	}
	reachedOnce(t, egress.Policy{AllowPrivate: true}, viaName, hits)
}

// counter is a loopback server that counts the requests it gets.
func counter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	hits := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	return srv, hits
}

// port is the port srv listens on.
func port(srv *httptest.Server) string {
	u, _ := url.Parse(srv.URL)
	return u.Port()
}

// reachedOnce GETs raw through a client of p and wants the counter behind
// it, which saw nothing before, to have been reached once.
func reachedOnce(t *testing.T, p egress.Policy, raw string, hits *atomic.Int64) {
	t.Helper()
	resp, err := p.Client(5 * time.Second).Get(raw)
	if err != nil {
		t.Fatalf("GET %s with AllowPrivate: %v", raw, err)
	}
	resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Fatalf("hits = %d", n)
	}
}

// TestRebinding: a name that resolves to a public address when it is
// checked and to loopback when it is dialled is refused at dial time.
func TestRebinding(t *testing.T) {
	srv, hits := counter(t)
	raw := "http://hooks.rebind.test:" + port(srv) + "/"
	for _, allow := range []bool{false, true} {
		res := &egresstest.Rebinding{First: netip.MustParseAddr("93.184.215.14"), Then: netip.MustParseAddr("127.0.0.1")}
		p := egress.Policy{Resolver: res, AllowPrivate: allow}
		if err := p.CheckHost(t.Context(), "hooks.rebind.test"); err != nil {
			t.Fatalf("the check at creation: %v", err)
		}
		if !allow {
			_, err := p.Client(5 * time.Second).Get(raw)
			if f := egress.Classify(err); f == nil || f.Class != egress.ClassRefused {
				t.Fatalf("rebound name with the default policy: %v", err)
			}
			if hits.Load() != 0 {
				t.Fatal("the receiver was reached")
			}
			continue
		}
		reachedOnce(t, p, raw, hits)
	}
}

func TestClientFollowsNoRedirectAndNoProxy(t *testing.T) {
	target := 0
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { target++ }))
	defer dst.Close()
	src := httptest.NewServer(http.RedirectHandler(dst.URL, http.StatusFound))
	defer src.Close()
	resp, err := egress.Policy{AllowPrivate: true}.Client(5 * time.Second).Get(src.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || target != 0 {
		t.Fatalf("redirect followed: %d, target reached %d times", resp.StatusCode, target)
	}
	if f := egress.Status(resp.StatusCode); f.Error() != "status 302" {
		t.Fatalf("status failure reads %q", f)
	}
	if tr := (egress.Policy{}).Transport(); tr.Proxy != nil {
		t.Fatal("the transport uses a proxy, which would dial unchecked")
	}
}

func TestClassify(t *testing.T) {
	open := egress.Policy{AllowPrivate: true}.Client(5 * time.Second)
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	_, err = open.Get(closed)
	if f := egress.Classify(err); f.Class != egress.ClassConnRefused {
		t.Errorf("closed port: %q (%v)", f.Class, err)
	}
	// A TLS server whose certificate the client does not trust.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()
	_, err = open.Get(tlsSrv.URL)
	if f := egress.Classify(err); f.Class != egress.ClassTLS {
		t.Errorf("untrusted certificate: %q (%v)", f.Class, err)
	}
	// A receiver that never answers, and a deadline that passes.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL, nil)
	_, err = open.Do(req)
	if f := egress.Classify(err); f.Class != egress.ClassTimeout {
		t.Errorf("no answer: %q (%v)", f.Class, err)
	}
	// The cause stays for the log.
	if f := egress.Classify(err); egress.Detail(f) == f.Error() || !errors.Is(f, context.DeadlineExceeded) {
		t.Errorf("detail %q, cause lost", egress.Detail(f))
	}
	if egress.Classify(nil) != nil {
		t.Error("Classify(nil) is not nil")
	}
}
