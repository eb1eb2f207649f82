package iam

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
	awsCfg, err := lambdaenv.AWSConfig(ctx, env)
	if err != nil {
		return nil, err
	}
	var sm *secretsmanager.Client
	if cfg.SigningKeySecretARN != "" || cfg.WebhookSecretARN != "" {
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
	policy := cfg.PolicyARN
	if policy == lambdaenv.PolicyInline {
		policy = ""
	}
	enf := iamstate.New(awsiam.NewFromConfig(awsCfg), iamstate.Config{PolicyARN: policy, Log: log})

	secrets := lambdaenv.WebhookSecrets(cfg.WebhookSecrets, sm, cfg.WebhookSecretARN)
	if secrets == nil {
		log.Info("WEBHOOK_SECRET is not set: webhooks are refused")
	}
	h := New(Config{
		FailMode:       cfg.FailMode,
		AppURI:         cfg.AppURI,
		WebhookSecrets: secrets,
		Principals:     cfg.Principals,
	}, checker, enf, log)
	return lambda.NewHandler(func(ctx context.Context, e json.RawMessage) (any, error) {
		return h.Handle(ctx, e)
	}), nil
}
