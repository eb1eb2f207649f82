package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
)

// FuzzCheckBody feeds arbitrary bodies to the body decoder: it must never
// panic, and every failure must be a 400 or 413 the client can read.
func FuzzCheckBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"userIP":"203.0.113.7","userDevice":"Mozilla/5.0","userLocation":"Madrid","integrationType":"cognito","integrationData":{"a":1}}`,
		`{"userLocation":{"lat":1,"long":2}}`, `{"userIP":12}`, `{"userIP":null}`, `[]`, `"x"`, `{"userAccountId":"bob","nl3UserToken":"t"}`,
		`{"userIP":"\ud800"}`, `{"integrationData":` + strings.Repeat("[", 10000), `{"userIP":"a"}{"userIP":"b"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, api.PathProtectionCheck, strings.NewReader(body))
		var b api.CheckBody
		err := httpx.DecodeJSON(r, api.MaxBody, &b)
		if err == nil {
			return
		}
		he, ok := err.(*httpx.Error)
		if !ok || (he.Status != http.StatusBadRequest && he.Status != http.StatusRequestEntityTooLarge) || he.Code == "" || he.Message == "" {
			t.Fatalf("body %q: error %v is not a client error with a code and message", body, err)
		}
	})
}
