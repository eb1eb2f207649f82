package mgmtapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// specDoc fetches the served OpenAPI document.
func (e *env) specDoc() []byte {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// validateAnswer would check an answer against the document; the
// schema validator is not wired in yet (see the report), so answers are
// checked for the error shape only (checkShape).
func (e *env) validateAnswer(*http.Request, *http.Response, []byte) {}

// recordMux records the patterns Register adds.
type recordMux struct{ patterns []string }

func (m *recordMux) Handle(pattern string, _ http.Handler) { m.patterns = append(m.patterns, pattern) }

// TestOpenAPIDocumentTrue: the document says OpenAPI 3.1; every route
// the API serves is in it and everything in it is served.
func TestOpenAPIDocumentTrue(t *testing.T) {
	e := newEnv(t, nil)
	doc := e.specDoc()
	var d struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", d.OpenAPI)
	}
	var documented []string
	for p, item := range d.Paths {
		for m := range item {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	var mux recordMux
	e.api.Register(&mux)
	for _, p := range mux.patterns {
		if p == "GET /api/v1/openapi.json" || p == "GET /api/v1/docs" {
			continue // the document itself and its page
		}
		if !slices.Contains(documented, p) {
			t.Errorf("served but not documented: %s", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(mux.patterns, p) {
			t.Errorf("documented but not served: %s", p)
		}
	}
}

// TestReferencePage: /api/v1/docs lists every operation, needs no token
// and runs no script.
func TestReferencePage(t *testing.T) {
	e := newEnv(t, nil)
	res, err := http.Get(e.srv.URL + "/api/v1/docs")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "src=") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Error("the reference page loads or runs something")
	}
	for _, rt := range e.api.Routes() {
		if !strings.Contains(page, rt.Path) {
			t.Errorf("the reference page lacks %s %s", rt.Method, rt.Path)
		}
	}
}
