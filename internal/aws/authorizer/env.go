package authorizer

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
	"github.com/deadbolt-dev/deadbolt/internal/aws/urlhook"
)

// FromEnv builds the handler from the environment (see
// lambdaenv.Authorizer) and wraps it for the Lambda runtime. Its error
// lists every invalid variable.
func FromEnv(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (lambda.Handler, error) {
	cfg, err := lambdaenv.LoadAuthorizer(env)
	if err != nil {
		return nil, err
	}
	rt := lambdaenv.NewRuntime(env)
	checker, err := rt.Checker(ctx, cfg.Check, IntegrationType)
	if err != nil {
		return nil, err
	}
	secrets, err := rt.WebhookSecrets(ctx, cfg.WebhookSecrets, cfg.WebhookSecretARN)
	if err != nil {
		return nil, err
	}
	if secrets == nil {
		log.Info("WEBHOOK_SECRET is not set: webhooks are refused, and cached answers expire only after CACHE_SECONDS")
	}
	// The key set lives as long as the execution environment: it fetches
	// the JWKS on first use and again when a token names an unknown key.
	jwks := &http.Client{Timeout: 5 * time.Second}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), jwks), cfg.JWKSURL)
	h := New(Config{
		Issuer: cfg.Issuer, Audiences: cfg.Audiences, TokenUse: cfg.TokenUse, AccountClaim: cfg.AccountClaim,
		Cache: cfg.Cache, FailMode: cfg.FailMode, AppURI: cfg.AppURI,
		Webhooks: urlhook.Receiver{Secrets: secrets},
	}, keys, checker, log)
	return lambda.NewHandler(h.Handle), nil
}
