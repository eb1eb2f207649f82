package lambdaenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Runtime builds what every function makes of its configuration: the
// lock-check Checker and the webhook secrets. It loads the AWS SDK
// configuration at most once, and only when something needs it (a secret
// in Secrets Manager, or the caller's own AWS client), so a function
// configured with plain values makes no AWS call at cold start. It is not
// safe for concurrent use; functions use it once, while starting.
type Runtime struct {
	env Env
	aws *aws.Config
	sm  *secretsmanager.Client
}

// NewRuntime returns a Runtime reading env.
func NewRuntime(env Env) *Runtime { return &Runtime{env: env} }

// AWS returns the AWS SDK configuration (see AWSConfig), loading it on the
// first call.
func (r *Runtime) AWS(ctx context.Context) (aws.Config, error) {
	if r.aws == nil {
		cfg, err := AWSConfig(ctx, r.env)
		if err != nil {
			return aws.Config{}, err
		}
		r.aws = &cfg
	}
	return *r.aws, nil
}

func (r *Runtime) secretsManager(ctx context.Context) (*secretsmanager.Client, error) {
	if r.sm == nil {
		cfg, err := r.AWS(ctx)
		if err != nil {
			return nil, err
		}
		r.sm = secretsmanager.NewFromConfig(cfg)
	}
	return r.sm, nil
}

// Checker returns the lock-check client for c, sending integrationType
// with every check. Its key is c.SigningKey, or else the Secrets Manager
// secret c.SigningKeySecretARN names, fetched on the first check.
func (r *Runtime) Checker(ctx context.Context, c Check, integrationType string) (*Checker, error) {
	var secret *Secret
	if c.SigningKeySecretARN != "" {
		sm, err := r.secretsManager(ctx)
		if err != nil {
			return nil, err
		}
		secret = NewSecret(sm, c.SigningKeySecretARN, "SIGNING_KEY")
	}
	return NewChecker(c, integrationType, secret, nil)
}

// WebhookSecrets returns where the function reads the secrets that verify
// deadbolt's webhooks (see the package function WebhookSecrets): values,
// or the Secrets Manager secret arn. It returns nil when neither is set:
// webhooks are then refused.
func (r *Runtime) WebhookSecrets(ctx context.Context, values []string, arn string) (func(context.Context) ([]string, error), error) {
	var sm SecretsAPI
	if len(values) == 0 && arn != "" {
		c, err := r.secretsManager(ctx)
		if err != nil {
			return nil, err
		}
		sm = c
	}
	return WebhookSecrets(values, sm, arn), nil
}

// StepUpSecret returns where the step-up triggers read their OpenID client
// secret: s.ClientSecret, or the Secrets Manager secret s.SecretARN names,
// fetched on first use.
func (r *Runtime) StepUpSecret(ctx context.Context, s StepUp) (func(context.Context) (string, error), error) {
	if s.SecretARN == "" {
		v := s.ClientSecret
		return func(context.Context) (string, error) { return v, nil }, nil
	}
	sm, err := r.secretsManager(ctx)
	if err != nil {
		return nil, err
	}
	return NewSecret(sm, s.SecretARN, "STEPUP_CLIENT_SECRET").Get, nil
}
