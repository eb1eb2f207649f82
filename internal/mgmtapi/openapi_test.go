package mgmtapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
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

// schemaCheck is the served document, loaded by kin-openapi (which reads
// OpenAPI 3.1 and validates with JSON Schema 2020-12), and its router.
type schemaCheck struct {
	router routers.Router
}

// JSON Lines answers (exports) are validated as the array of their lines.
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		lines := []any{}
		dec := json.NewDecoder(r)
		dec.UseNumber()
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			lines = append(lines, v)
		}
		return lines, nil
	})
}

// newSchemaCheck loads and validates doc as an OpenAPI 3.1 document.
func newSchemaCheck(t testing.TB, doc []byte) *schemaCheck {
	t.Helper()
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	if !spec.IsOpenAPI31OrLater() {
		t.Fatalf("the document is OpenAPI %s, not 3.1", spec.OpenAPI)
	}
	if err := spec.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	// The server is "/", wherever the document is served from; the test
	// server's address is another, so routes are matched by path alone.
	spec.Servers = nil
	router, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &schemaCheck{router: router}
}

// check validates one answer against the schema the document gives for
// its route and status (the success schema, or "default", the one error
// shape). A route the document lacks is an error too.
func (s *schemaCheck) check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("not in the document: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// validateAnswer checks every answer the API tests get against the
// document's schema for it; the document's own pages are not API answers.
func (e *env) validateAnswer(req *http.Request, res *http.Response, body []byte) {
	e.t.Helper()
	if p := req.URL.Path; p == "/api/v1/openapi.json" || p == "/api/v1/docs" || !strings.HasPrefix(p, "/api/v1/") {
		return
	}
	if e.schemas == nil {
		e.schemas = newSchemaCheck(e.t, e.specDoc())
	}
	if err := e.schemas.check(req, res.StatusCode, res.Header, body); err != nil {
		e.t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

// TestSchemaCheckCatches: the check that every API test runs on every
// answer fails for an answer with a field its schema does not declare, one
// missing a required field, one of a wrong type, an error not in the
// error shape and a status the document does not give.
func TestSchemaCheckCatches(t *testing.T) {
	e := newEnv(t, nil)
	s := newSchemaCheck(t, e.specDoc())
	json := http.Header{"Content-Type": {"application/json"}}
	req := func(method, path string) *http.Request {
		r, err := http.NewRequest(method, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := `{"token_id":"t","name":"n","tenant_id":"x","tenant":"acme","role":"admin","scopes":[],"expires_at":null}`
	if err := s.check(req("GET", "/api/v1/whoami"), 200, json, []byte(good)); err != nil {
		t.Fatalf("a right answer fails: %v", err)
	}
	for name, tc := range map[string]struct {
		method, path string
		status       int
		body         string
	}{
		"undeclared field": {"GET", "/api/v1/whoami", 200, strings.Replace(good, "{", `{"extra":1,`, 1)},
		"missing required": {"GET", "/api/v1/whoami", 200, strings.Replace(good, `"tenant":"acme",`, "", 1)},
		"wrong type":       {"GET", "/api/v1/whoami", 200, strings.Replace(good, `"scopes":[]`, `"scopes":"all"`, 1)},
		"item of a page":   {"GET", "/api/v1/webhooks", 200, `{"items":[{"id":"w","url":"u","events":[]}],"next_cursor":""}`},
		"error shape":      {"GET", "/api/v1/whoami", 401, `{"error":"unauthenticated"}`},
		"status not given": {"GET", "/api/v1/whoami", 201, good},
		"undocumented":     {"GET", "/api/v1/nothing", 200, `{}`},
	} {
		if err := s.check(req(tc.method, tc.path), tc.status, json, []byte(tc.body)); err == nil {
			t.Errorf("%s: the check let it pass", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

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

// goldenDocument is the document as committed, for tools that read it
// without a server: scripts/test lints it with @redocly/cli, and the Go
// client (client/mgmt) is checked against it.
const goldenDocument = "../../docs/openapi.json"

var update = flag.Bool("update", false, "rewrite docs/openapi.json from the route table")

// TestOpenAPIGolden: docs/openapi.json is the document the API serves
// (go test -run TestOpenAPIGolden ./internal/mgmtapi/ -update rewrites it).
func TestOpenAPIGolden(t *testing.T) {
	e := newEnv(t, nil)
	served := append(e.specDoc(), '\n')
	if *update {
		if err := os.WriteFile(goldenDocument, served, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(goldenDocument)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, served) {
		t.Error("docs/openapi.json is not the served document: run go test -run TestOpenAPIGolden ./internal/mgmtapi/ -update")
	}
}
