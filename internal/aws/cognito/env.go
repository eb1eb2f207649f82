package cognito

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

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
	checker, err := lambdaenv.NewRuntime(env).Checker(ctx, cfg.Check, IntegrationType)
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
	return lambda.NewHandler(h.Handle), nil
}
