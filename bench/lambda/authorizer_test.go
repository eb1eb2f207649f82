package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/authorizer"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

// BenchmarkAuthorizerOverhead interleaves a bare HTTP lock check with a
// full HTTP API authorizer invocation (event decoding, RS256 JWT
// verification against a JWKS, the lock check unless cached, the answer and
// its log line), against the same loopback endpoint. With the cache on,
// every invocation after the first is answered without the HTTP call.
func BenchmarkAuthorizerOverhead(b *testing.B) {
	srv := lockEndpoint(b)
	poolKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &poolKey.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(jwks) }))
	b.Cleanup(idp.Close)
	issuer := idp.URL + "/pool"
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": issuer, "sub": "u-alice", "username": "alice",
		"client_id": "app", "token_use": "access", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "k1"
	signed, err := tok.SignedString(poolKey)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile("../../internal/aws/authorizer/testdata/http_api.json")
	if err != nil {
		b.Fatal(err)
	}
	ev := bytes.ReplaceAll(raw, []byte("{{TOKEN}}"), []byte(signed))

	key, _ := awstest.Key()
	bare := bareCheck(b, srv.URL, []byte(`{"userIP":"203.0.113.7","userDevice":"curl/8.5.0","integrationType":"apigateway"}`))

	for _, tc := range []struct {
		name  string
		cache time.Duration
	}{{"cache=off", 0}, {"cache=on", time.Hour}} {
		b.Run(tc.name, func(b *testing.B) {
			checker, err := lambdaenv.NewChecker(lambdaenv.Check{APIURI: srv.URL, AppURI: awstest.Issuer, SigningKey: key,
				FailMode: client.FailClosed, Timeout: 2 * time.Second}, authorizer.IntegrationType, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			log := slog.New(slog.NewJSONHandler(io.Discard, nil)) // one log line per invocation, as in Lambda
			h := awslambda.NewHandler(authorizer.New(authorizer.Config{Issuer: issuer, Audiences: []string{"app"}, Cache: tc.cache,
				FailMode: client.FailClosed, AppURI: awstest.Issuer}, oidc.NewRemoteKeySet(context.Background(), idp.URL), checker, log).Handle)
			ctx := context.Background()
			overhead(b, bare, func() error {
				out, err := h.Invoke(ctx, ev)
				if err == nil && !bytes.Contains(out, []byte(`"isAuthorized":true`)) {
					err = fmt.Errorf("invocation answered %s", out)
				}
				return err
			})
		})
	}
}
