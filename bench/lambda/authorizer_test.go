package lambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/coreos/go-oidc/v3/oidc"
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
	idp := awstest.NewIDP(b)
	issuer := idp.URL + "/pool"
	signed := idp.Sign(b, jwt.MapClaims{"iss": issuer, "sub": "u-alice", "username": "alice",
		"client_id": "app", "token_use": "access", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
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
