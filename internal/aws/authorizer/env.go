package authorizer

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
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
	var sm *secretsmanager.Client
	if cfg.SigningKeySecretARN != "" || cfg.WebhookSecretARN != "" {
		awsCfg, err := lambdaenv.AWSConfig(ctx, env)
		if err != nil {
			return nil, err
		}
		sm = secretsmanager.NewFromConfig(awsCfg)
	}
	var keySecret *lambdaenv.Secret
	if cfg.SigningKeySecretARN != "" {
		keySecret = lambdaenv.NewSecret(sm, cfg.SigningKeySecretARN, "SIGNING_KEY")
	}
	checker, err := lambdaenv.NewChecker(cfg.Check, IntegrationType, keySecret, nil)
	if err != nil {
		return nil, err
	}
	secrets := lambdaenv.WebhookSecrets(cfg.WebhookSecrets, sm, cfg.WebhookSecretARN)
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
	return lambda.NewHandler(func(ctx context.Context, e json.RawMessage) (any, error) {
		return h.Handle(ctx, e)
	}), nil
}
