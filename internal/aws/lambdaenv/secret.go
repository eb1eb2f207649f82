package lambdaenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// ErrSecret is wrapped by errors fetching or reading a Secrets Manager
// secret.
var ErrSecret = errors.New("secret unavailable")

// SecretsAPI is the part of the Secrets Manager client a Secret uses;
// *secretsmanager.Client implements it.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Secret is a Secrets Manager secret that is fetched on first use and then
// cached for the life of the process (a Lambda execution environment). A
// failed fetch is not cached: the next call tries again. It is safe for
// concurrent use.
type Secret struct {
	api   SecretsAPI
	arn   string
	field string

	mu    sync.Mutex
	value string
}

// NewSecret returns the secret arn, read through api. The secret's
// SecretString is either the value itself or a JSON object, from which the
// string member named field is taken (or its only string member).
func NewSecret(api SecretsAPI, arn, field string) *Secret {
	return &Secret{api: api, arn: arn, field: field}
}

// ARN returns the secret's ARN.
func (s *Secret) ARN() string { return s.arn }

// Get returns the secret's value, fetching it on the first call.
func (s *Secret) Get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" {
		return s.value, nil
	}
	out, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn)})
	if err != nil {
		return "", fmt.Errorf("%w: fetching %s: %w", ErrSecret, s.arn, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("%w: %s has no SecretString (binary secrets are not supported)", ErrSecret, s.arn)
	}
	v, err := s.extract(*out.SecretString)
	if err != nil {
		return "", err
	}
	s.value = v
	return v, nil
}

func (s *Secret) extract(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.HasPrefix(raw, "{") {
		if raw == "" {
			return "", fmt.Errorf("%w: %s is empty", ErrSecret, s.arn)
		}
		return raw, nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return "", fmt.Errorf("%w: %s holds malformed JSON", ErrSecret, s.arn)
	}
	if v, ok := obj[s.field].(string); ok && v != "" {
		return v, nil
	}
	var only []string
	for _, v := range obj {
		if sv, ok := v.(string); ok {
			only = append(only, sv)
		}
	}
	if len(only) == 1 && only[0] != "" {
		return only[0], nil
	}
	return "", fmt.Errorf("%w: %s is a JSON object without a %q string", ErrSecret, s.arn, s.field)
}

// AWSConfig loads the AWS SDK configuration the usual way (environment,
// shared files, the Lambda execution role). The SDK itself honours
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. When no region is
// configured it uses us-east-1, where IAM lives.
func AWSConfig(ctx context.Context, env Env) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if env("AWS_REGION") == "" && env("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%w: AWS SDK: %w", ErrConfig, err)
	}
	return cfg, nil
}

// WebhookSecrets returns where a function reads the secrets that verify
// deadbolt's webhooks: the configured values, or the Secrets Manager secret
// arn (its value split at commas, for rotations). It returns nil when
// neither is set: webhooks are then refused. sm may be nil without arn.
func WebhookSecrets(values []string, sm SecretsAPI, arn string) func(context.Context) ([]string, error) {
	switch {
	case len(values) > 0:
		return func(context.Context) ([]string, error) { return values, nil }
	case arn != "":
		s := NewSecret(sm, arn, "WEBHOOK_SECRET")
		return func(ctx context.Context) ([]string, error) {
			v, err := s.Get(ctx)
			if err != nil {
				return nil, err
			}
			return list(v), nil
		}
	default:
		return nil
	}
}
