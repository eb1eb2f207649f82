package scim_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/scim"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestDiscovery: the discovery endpoints say what is served: patch and
// filtering supported, bearer tokens, the User and Group resource types,
// and the application extension's schema; an unknown endpoint is a SCIM
// 404, on both base paths.
func TestDiscovery(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	_, tok := e.token(e.tenant, "", "scim")
	for _, base := range []string{scim.Path, scim.NL3Path} {
		spc := e.do("GET", base+"/ServiceProviderConfig", tok, "").want(t, http.StatusOK, "ServiceProviderConfig")
		patch, _ := spc.body["patch"].(map[string]any)
		filter, _ := spc.body["filter"].(map[string]any)
		if patch["supported"] != true || filter["supported"] != true || !strings.Contains(string(spc.raw), "oauthbearertoken") {
			t.Errorf("%s ServiceProviderConfig: %s", base, spc.raw)
		}
		rt := e.do("GET", base+"/ResourceTypes", tok, "").want(t, http.StatusOK, "ResourceTypes")
		for _, want := range []string{`"/Users"`, `"/Groups"`, scim.ApplicationSchema} {
			if !strings.Contains(string(rt.raw), want) {
				t.Errorf("%s ResourceTypes lacks %s: %s", base, want, rt.raw)
			}
		}
		sc := e.do("GET", base+"/Schemas/"+scim.ApplicationSchema, tok, "").want(t, http.StatusOK, "the extension's schema")
		if !strings.Contains(string(sc.raw), `"application"`) || !strings.Contains(string(sc.raw), `"accountId"`) {
			t.Errorf("%s extension schema: %s", base, sc.raw)
		}
		e.do("GET", base+"/Nothing", tok, "").want(t, http.StatusNotFound, "unknown endpoint")
	}
}

// TestDocumented: docs/scim.md names every endpoint and both base paths.
// The SCIM routes are not in the OpenAPI document of /api/v1 (SCIM has
// its own shapes, described by its discovery endpoints); mgmtapi's
// TestOpenAPIDocumentTrue reads mgmtapi's routes only, so it needs no
// exclusion for them.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scim.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{scim.Path, scim.NL3Path, "/Users", "/Groups", "/ServiceProviderConfig", "/ResourceTypes",
		"/Schemas", scim.ApplicationSchema, "`scim`"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/scim.md does not name %s", want)
		}
	}
}
