package portal

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestStepHeadersCheckOriginsAgain: a client stored before frame origins
// were checked strictly cannot put wildcards or other directives into the
// step-up page's policy; only its good origins, normalized, get in.
func TestStepHeadersCheckOriginsAgain(t *testing.T) {
	policy := func(origins ...string) (string, string) {
		w := httptest.NewRecorder()
		w.Header().Set("X-Frame-Options", "DENY")
		stepHeaders(w, store.OIDCClient{RedirectURIs: []string{"https://rp.acme.test/cb"}, FrameOrigins: origins})
		return w.Header().Get("Content-Security-Policy"), w.Header().Get("X-Frame-Options")
	}
	bad := []string{"https://*", "https://*.com", "https://a.com;", "https://a.com; script-src *",
		"https://a.com,'unsafe-inline'", "http://rp.acme.test", "https://user@a.com"}
	got, xfo := policy(bad...)
	if !strings.Contains(got, "frame-ancestors 'none'") || xfo != "DENY" {
		t.Fatalf("only bad origins: policy %q, X-Frame-Options %q; want frame-ancestors 'none' and DENY", got, xfo)
	}
	got, xfo = policy(append(bad, "https://Wiki.Acme.test:443")...)
	fa := directive(got, "frame-ancestors")
	if fa != "frame-ancestors https://wiki.acme.test" || xfo != "" {
		t.Fatalf("frame-ancestors %q (policy %q, X-Frame-Options %q), want only https://wiki.acme.test", fa, got, xfo)
	}
	if strings.Count(got, "script-src") != 1 || strings.Contains(got, "unsafe-inline") || strings.Contains(got, "*") {
		t.Fatalf("a bad origin reached the policy: %q", got)
	}
}

func directive(policy, name string) string {
	for _, d := range strings.Split(policy, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, name+" ") {
			return d
		}
	}
	return ""
}
