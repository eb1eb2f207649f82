package clientaddr_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
)

func TestResolve(t *testing.T) {
	r, err := clientaddr.New([]string{"10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer: XFF ignored", "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer, no XFF", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"trusted peer: right-most hop", "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"spoofed left hops are skipped", "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are walked past", "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9, 192.0.2.10"}, "203.0.113.9"},
		{"several header lines", "10.1.2.3:5000", []string{"1.1.1.1", "203.0.113.9, 10.0.0.1"}, "203.0.113.9"},
		{"all hops trusted: the left-most", "10.1.2.3:5000", []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"garbage hop: the proxy itself", "10.1.2.3:5000", []string{"1.1.1.1, not-an-ip"}, "10.1.2.3"},
		{"hop with a port", "10.1.2.3:5000", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv6 trusted proxy", "[2001:db8:ffff:1::1]:5000", []string{"2001:db8:1::9"}, "2001:db8:1::9"},
		{"mapped IPv4 peer", "[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := r.Resolve(req); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			var seen string
			r.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { seen = clientaddr.Of(req) })).
				ServeHTTP(httptest.NewRecorder(), req)
			if seen != tt.want {
				t.Fatalf("Of in a handler: %s, want %s", seen, tt.want)
			}
		})
	}
}

func TestNoProxyTrusted(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.1.2.3:5000"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := clientaddr.Of(req); got != "10.1.2.3" {
		t.Fatalf("without the middleware: %s", got)
	}
	var zero clientaddr.Resolver
	if got := zero.Resolve(req); got != "10.1.2.3" {
		t.Fatalf("zero resolver: %s", got)
	}
}

func TestBadPrefix(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "proxy.example.com", "10.0.0.0/8/1"} {
		if _, err := clientaddr.New([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
