package cognito

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

// FromEnv builds the handler from the environment (see lambdaenv.Cognito)
// and wraps it for the Lambda runtime. Its error lists every invalid
// variable.
func FromEnv(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (lambda.Handler, error) {
	cfg, err := lambdaenv.LoadCognito(env)
	if err != nil {
		return nil, err
	}
	var secret *lambdaenv.Secret
	if cfg.SigningKeySecretARN != "" {
		awsCfg, err := lambdaenv.AWSConfig(ctx, env)
		if err != nil {
			return nil, err
		}
		secret = lambdaenv.NewSecret(secretsmanager.NewFromConfig(awsCfg), cfg.SigningKeySecretARN, "SIGNING_KEY")
	}
	checker, err := lambdaenv.NewChecker(cfg.Check, IntegrationType, secret, nil)
	if err != nil {
		return nil, err
	}
	if len(cfg.ClientIDs) == 0 {
		log.Warn("CLIENT_ID is not set: sign-ins through every app client are checked")
	}
	h := New(Config{
		ClientIDs:        cfg.ClientIDs,
		LockedMessage:    cfg.LockedMessage,
		FailMode:         cfg.FailMode,
		AccountAttribute: cfg.AccountAttribute,
	}, checker, log)
	return lambda.NewHandler(func(ctx context.Context, e json.RawMessage) (json.RawMessage, error) {
		return h.Handle(ctx, e)
	}), nil
}
