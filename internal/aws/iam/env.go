package iam

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/deadbolt-dev/deadbolt/internal/aws/iamstate"
	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

// FromEnv builds the handler from the environment (see lambdaenv.IAM) and
// wraps it for the Lambda runtime. Its error lists every invalid variable.
func FromEnv(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (lambda.Handler, error) {
	cfg, err := lambdaenv.LoadIAM(env)
	if err != nil {
		return nil, err
	}
	rt := lambdaenv.NewRuntime(env)
	awsCfg, err := rt.AWS(ctx)
	if err != nil {
		return nil, err
	}
	checker, err := rt.Checker(ctx, cfg.Check, IntegrationType)
	if err != nil {
		return nil, err
	}
	secrets, err := rt.WebhookSecrets(ctx, cfg.WebhookSecrets, cfg.WebhookSecretARN)
	if err != nil {
		return nil, err
	}
	policy := cfg.PolicyARN
	if policy == lambdaenv.PolicyInline {
		policy = ""
	}
	enf := iamstate.New(awsiam.NewFromConfig(awsCfg), iamstate.Config{PolicyARN: policy, Log: log})
	if secrets == nil {
		log.Info("WEBHOOK_SECRET is not set: webhooks are refused")
	}
	h := New(Config{
		FailMode:       cfg.FailMode,
		AppURI:         cfg.AppURI,
		WebhookSecrets: secrets,
		Principals:     cfg.Principals,
	}, checker, enf, log)
	return lambda.NewHandler(h.Handle), nil
}
