package lambdaenv_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
)

func TestMain(m *testing.M) { os.Exit(awstest.Run(m)) }

// with returns base with change applied.
func with(base, change map[string]string) map[string]string {
	env := maps.Clone(base)
	maps.Copy(env, change)
	return env
}

func TestLoadIAM(t *testing.T) {
	_, key := awstest.Key()
	ok := map[string]string{"API_URI": "https://d.example.com", "APP_URI": "aws:123456789012", "SIGNING_KEY": key}
	cfg, err := lambdaenv.LoadIAM(awstest.Env(ok))
	if err != nil || cfg.PolicyARN != lambdaenv.DefaultPolicyARN || cfg.FailMode != client.FailClosed ||
		cfg.Timeout != lambdaenv.DefaultIAMTimeout || cfg.WebhookSecrets != nil {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
	awstest.ExpectInvalidEnv(t, func(e lambdaenv.Env) error { _, err := lambdaenv.LoadIAM(e); return err }, ok, []awstest.InvalidEnv{
		{Change: map[string]string{"POLICY_ARN": "AWSDenyAll"}, Vars: []string{"POLICY_ARN"}},
		{Change: map[string]string{"WEBHOOK_SECRET": "short"}, Vars: []string{"WEBHOOK_SECRET"}},
		{Change: map[string]string{"WEBHOOK_SECRET": "whsec_0123456789abcdef", "WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:w"}, Vars: []string{"WEBHOOK_SECRET"}},
		{Change: map[string]string{"WEBHOOK_SECRET_ARN": "w"}, Vars: []string{"WEBHOOK_SECRET_ARN"}},
		{Change: map[string]string{"TIMEOUT_MS": "60000", "FAIL_MODE": "x"}, Vars: []string{"TIMEOUT_MS", "FAIL_MODE"}},
	})
	cfg, err = lambdaenv.LoadIAM(awstest.Env(with(ok, map[string]string{"POLICY_ARN": "inline",
		"WEBHOOK_SECRET": "whsec_0123456789abcdef, whsec_fedcba9876543210", "PRINCIPALS": "alice, role/deploy,,"})))
	if err != nil || cfg.PolicyARN != "inline" || len(cfg.WebhookSecrets) != 2 || len(cfg.Principals) != 2 {
		t.Fatalf("%+v, %v", cfg, err)
	}
}

func TestLoadAuthorizer(t *testing.T) {
	_, key := awstest.Key()
	ok := map[string]string{"API_URI": "https://d.example.com", "APP_URI": "https://api.example.com", "SIGNING_KEY": key,
		"JWT_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/", "JWT_AUDIENCE": "client-a, client-b"}
	cfg, err := lambdaenv.LoadAuthorizer(awstest.Env(ok))
	if err != nil || cfg.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123" ||
		cfg.JWKSURL != cfg.Issuer+"/.well-known/jwks.json" || len(cfg.Audiences) != 2 ||
		cfg.Cache != lambdaenv.DefaultCacheSeconds*time.Second || cfg.Timeout != lambdaenv.DefaultAuthorizerTimeout {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
	awstest.ExpectInvalidEnv(t, func(e lambdaenv.Env) error { _, err := lambdaenv.LoadAuthorizer(e); return err }, ok, []awstest.InvalidEnv{
		{Change: map[string]string{"JWT_ISSUER": ""}, Vars: []string{"JWT_ISSUER"}},
		{Change: map[string]string{"JWT_ISSUER": "cognito"}, Vars: []string{"JWT_ISSUER"}},
		{Change: map[string]string{"JWT_AUDIENCE": " , "}, Vars: []string{"JWT_AUDIENCE"}},
		{Change: map[string]string{"JWKS_URL": "file:///etc/keys"}, Vars: []string{"JWKS_URL"}},
		{Change: map[string]string{"TOKEN_USE": "refresh"}, Vars: []string{"TOKEN_USE"}},
		{Change: map[string]string{"CACHE_SECONDS": "-1"}, Vars: []string{"CACHE_SECONDS"}},
		{Change: map[string]string{"CACHE_SECONDS": "301"}, Vars: []string{"CACHE_SECONDS"}},
		{Change: map[string]string{"WEBHOOK_SECRET": "short"}, Vars: []string{"WEBHOOK_SECRET"}},
	})
	if cfg, err := lambdaenv.LoadAuthorizer(awstest.Env(with(ok, map[string]string{"CACHE_SECONDS": "0", "TOKEN_USE": "ID"}))); err != nil || cfg.Cache != 0 || cfg.TokenUse != "id" {
		t.Fatalf("%+v, %v", cfg, err)
	}
}

// countingAPI counts GetSecretValue calls and can fail them.
type countingAPI struct {
	lambdaenv.SecretsAPI
	calls atomic.Int64
	fail  atomic.Bool
}

func (c *countingAPI) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	if c.fail.Load() {
		return nil, errors.New("throttled")
	}
	return c.SecretsAPI.GetSecretValue(ctx, in, opts...)
}

func TestSecret(t *testing.T) {
	m := awstest.Shared(t)
	ctx := awstest.Context(t)
	sm := m.SecretsManager()
	create := func(name, value string) string {
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ARN)
	}
	plain := create("lambdaenv/plain", "  value-1\n")
	field := create("lambdaenv/field", `{"SIGNING_KEY":"value-2","other":"x"}`)
	only := create("lambdaenv/only", `{"key":"value-3"}`)
	missing := create("lambdaenv/missing", `{"a":"1","b":"2"}`)

	api := &countingAPI{SecretsAPI: sm}
	for arn, want := range map[string]string{plain: "value-1", field: "value-2", only: "value-3"} {
		s := lambdaenv.NewSecret(api, arn, "SIGNING_KEY")
		for range 3 {
			if v, err := s.Get(ctx); err != nil || v != want {
				t.Fatalf("Get(%s) = %q, %v; want %q", arn, v, err, want)
			}
		}
	}
	if n := api.calls.Load(); n != 3 {
		t.Fatalf("%d fetches for 3 secrets read 3 times each; want each fetched once", n)
	}
	if _, err := lambdaenv.NewSecret(api, missing, "SIGNING_KEY").Get(ctx); !errors.Is(err, lambdaenv.ErrSecret) {
		t.Fatalf("missing field: %v", err)
	}

	// A failed fetch is not cached: the next call tries again.
	api.fail.Store(true)
	s := lambdaenv.NewSecret(api, plain, "SIGNING_KEY")
	if _, err := s.Get(ctx); !errors.Is(err, lambdaenv.ErrSecret) {
		t.Fatalf("failing fetch: %v", err)
	}
	api.fail.Store(false)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if v, err := s.Get(ctx); err != nil || v != "value-1" {
				t.Errorf("after recovery: %q, %v", v, err)
			}
		})
	}
	wg.Wait()
}

func TestCheckerSecretUnavailableIsUndecided(t *testing.T) {
	api := &countingAPI{}
	api.fail.Store(true)
	ch, err := lambdaenv.NewChecker(lambdaenv.Check{APIURI: "http://127.0.0.1:1", AppURI: "a",
		SigningKeySecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"}, "cognito",
		lambdaenv.NewSecret(api, "arn:aws:secretsmanager:us-east-1:123456789012:secret:k", "SIGNING_KEY"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Check(context.Background(), "alice", client.Context{})
	if !errors.Is(err, client.ErrUndecided) || !errors.Is(err, lambdaenv.ErrSecret) {
		t.Fatalf("Check = %v; want undecided (so the fail mode applies)", err)
	}
}

// TestRuntimeLoadsAWSOnlyWhenNeeded: with plain values, nothing asks for
// the AWS configuration (here one that cannot load); a secret in Secrets
// Manager does, and its failure is a configuration error.
func TestRuntimeLoadsAWSOnlyWhenNeeded(t *testing.T) {
	t.Setenv("AWS_PROFILE", "deadbolt-no-such-profile")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	ctx := context.Background()
	raw, _ := awstest.Key()
	rt := lambdaenv.NewRuntime(awstest.Env(nil))
	if _, err := rt.Checker(ctx, lambdaenv.Check{APIURI: "http://127.0.0.1:1", AppURI: awstest.Issuer, SigningKey: raw}, "test"); err != nil {
		t.Fatalf("Checker with SIGNING_KEY: %v", err)
	}
	secrets, err := rt.WebhookSecrets(ctx, []string{"whsec_a"}, "")
	if err != nil || secrets == nil {
		t.Fatalf("WebhookSecrets with values: %v", err)
	}
	if got, _ := secrets(ctx); !slices.Equal(got, []string{"whsec_a"}) {
		t.Fatalf("webhook secrets = %q", got)
	}
	if secrets, err := rt.WebhookSecrets(ctx, nil, ""); secrets != nil || err != nil {
		t.Fatalf("WebhookSecrets with neither: %v, %v; want nil, nil (webhooks refused)", secrets != nil, err)
	}
	_, err = rt.Checker(ctx, lambdaenv.Check{APIURI: "http://127.0.0.1:1", AppURI: awstest.Issuer,
		SigningKeySecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"}, "test")
	if !errors.Is(err, lambdaenv.ErrConfig) {
		t.Fatalf("Checker with a secret and no AWS configuration: %v, want ErrConfig", err)
	}
}

// TestRuntimeWebhookSecretsFromSecretsManager reads webhook secrets from a
// real (moto) Secrets Manager secret, split at commas for a rotation.
func TestRuntimeWebhookSecretsFromSecretsManager(t *testing.T) {
	m := awstest.Shared(t)
	m.Setenv(t)
	ctx := awstest.Context(t)
	out, err := m.SecretsManager().CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("deadbolt/runtime-webhook-test"), SecretString: aws.String("whsec_new,whsec_old")})
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := lambdaenv.NewRuntime(awstest.Env(nil)).WebhookSecrets(ctx, nil, aws.ToString(out.ARN))
	if err != nil {
		t.Fatal(err)
	}
	got, err := secrets(ctx)
	if err != nil || !slices.Equal(got, []string{"whsec_new", "whsec_old"}) {
		t.Fatalf("webhook secrets = %q, %v", got, err)
	}
}
