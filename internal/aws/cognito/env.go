package cognito

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
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
	if cfg.StepUp == nil {
		return lambda.NewHandler(h.Handle), nil
	}
	su := cfg.StepUp
	secret, err := lambdaenv.NewRuntime(env).StepUpSecret(ctx, *su)
	if err != nil {
		return nil, err
	}
	s := NewStepUp(StepUpConfig{Issuer: su.Issuer, ClientID: su.ClientID, Secret: secret, RedirectURI: su.RedirectURI,
		ACRValues: su.ACRValues, MaxAttempts: su.MaxAttempts, AccountAttribute: cfg.AccountAttribute,
		HTTP: egress.Policy{AllowPrivate: su.AllowPrivate}.Client(4 * time.Second)}, log)
	return lambda.NewHandler(func(ctx context.Context, event json.RawMessage) (any, error) {
		var hd header
		if err := json.Unmarshal(event, &hd); err == nil && IsStepUpTrigger(hd.TriggerSource) {
			return s.Handle(ctx, event)
		}
		return h.Handle(ctx, event)
	}), nil
}
