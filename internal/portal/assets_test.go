package portal_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

var hashedCSS = regexp.MustCompile(`href="(/static/app\.[0-9a-f]{12}\.css)"`)

// TestStaticAssets: pages link the stylesheet and script by content-hashed
// names, cached for a year; the files are sent gzip-compressed to browsers
// that accept it, with ETags that answer 304; plain names are revalidated.
func TestStaticAssets(t *testing.T) {
	e := newEnv(t, publicURL)
	page := e.do("GET", "/signin", nil, nil)
	m := hashedCSS.FindStringSubmatch(page.body)
	if m == nil || !regexp.MustCompile(`src="/static/app\.[0-9a-f]{12}\.js"`).MatchString(page.body) {
		t.Fatalf("the page does not link hashed assets:\n%s", page.body)
	}
	plain, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}

	r := e.do("GET", m[1], nil, nil)
	if r.code != 200 || r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || r.body != string(plain) ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/css") || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("hashed stylesheet without gzip: %d %v (%d bytes)", r.code, r.header, len(r.body))
	}
	etag := r.header.Get("ETag")
	if etag == "" || !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("no ETag or Vary: %v", r.header)
	}

	z := e.do("GET", m[1], nil, nil, "Accept-Encoding", "br, gzip")
	if z.code != 200 || z.header.Get("Content-Encoding") != "gzip" || z.header.Get("ETag") == etag {
		t.Fatalf("gzip: %d %v", z.code, z.header)
	}
	zr, err := gzip.NewReader(strings.NewReader(z.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain) {
		t.Fatalf("gzip body does not unpack to app.css: %v", err)
	}
	t.Logf("app.css: %d bytes, %d gzip-compressed", len(plain), len(z.body))
	if len(z.body) > len(plain)/2 {
		t.Errorf("app.css compressed to %d of %d bytes", len(z.body), len(plain))
	}
	if r := e.do("GET", m[1], nil, nil, "Accept-Encoding", "gzip;q=0"); r.header.Get("Content-Encoding") != "" {
		t.Errorf("gzip sent to a client that refuses it")
	}

	if r := e.do("GET", m[1], nil, nil, "If-None-Match", etag); r.code != http.StatusNotModified || r.body != "" {
		t.Errorf("If-None-Match with the ETag: %d", r.code)
	}
	if r := e.do("GET", m[1], nil, nil, "Accept-Encoding", "gzip", "If-None-Match", z.header.Get("ETag")); r.code != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: %d", r.code)
	}

	// Plain names and hashes of another build: the current file, revalidated.
	for _, path := range []string{"/static/app.css", "/static/app.000000000000.css", "/static/icon.svg"} {
		r := e.do("GET", path, nil, nil)
		if r.code != 200 || r.header.Get("Cache-Control") != "no-cache" || r.header.Get("ETag") == "" {
			t.Errorf("%s: %d %v", path, r.code, r.header)
		}
	}
	for _, path := range []string{"/static/nothing.css", "/static/app.css.bak", "/static/templates/layout.html"} {
		if r := e.do("GET", path, nil, nil); r.code != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.code)
		}
	}
}

// TestActivityPageWords: one check reads "1 check", statuses read as
// words, and the chart has no viewBox.
func TestActivityPageWords(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleOwner)
	if err := e.store.AppendChecks(ctx, []store.CheckRecord{{ID: "s1", TenantID: e.app.TenantID, AppID: e.app.ID, Account: "alice",
		At: e.clock.Now(), Locked: true, Status: "pending_approval"}}); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/admin/activity", nil, owner)
	if r.code != 200 {
		t.Fatalf("activity: %d", r.code)
	}
	for _, want := range []string{"<strong>1</strong> check,", "waiting for approval", `class="chart-plot"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("activity page lacks %q", want)
		}
	}
	for _, bad := range []string{"1 checks", ">pending_approval<", "viewBox"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("activity page has %q", bad)
		}
	}
}
