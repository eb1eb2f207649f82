package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadLayers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("addr: 127.0.0.1:9000\ncheck_log: async\nshutdown_timeout: 3s\nlog:\n  format: json\n"), 0o600)
	env := map[string]string{"DEADBOLT_CHECK_LOG": "sync", "DEADBOLT_AUDIENCES": "https://a.example, b.example"}
	c, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.CheckLog != "sync" || c.Log.Format != "json" || c.ShutdownTimeout != 3*time.Second {
		t.Fatalf("layers not applied: %+v", c)
	}
	if len(c.Audiences) != 2 || c.Audiences[1] != "b.example" {
		t.Fatalf("audiences = %q", c.Audiences)
	}
	if c.DB != DefaultDB || c.EffectivePublicURL() != "http://127.0.0.1:9000" {
		t.Fatalf("defaults lost: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRejectsUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("adr: 127.0.0.1:9000\n"), 0o600)
	if _, err := Load(path, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	c := Default()
	c.DB, c.Addr, c.CheckLog, c.Log.Level, c.PublicURL = "mysql://x", "nowhere", "maybe", "loud", "ftp://x"
	err := c.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, field := range []string{"db:", "addr:", "check_log:", "log.level:", "public_url:"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("problem with %s not reported in %v", field, err)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("trusted_proxies: [10.0.0.0/8, 192.0.2.10]\n"), 0o600)
	c, err := Load(path, func(string) string { return "" })
	if err != nil || len(c.TrustedProxies) != 2 || c.Validate() != nil {
		t.Fatalf("from the file: %q %v %v", c.TrustedProxies, err, c.Validate())
	}
	env := map[string]string{"DEADBOLT_TRUSTED_PROXIES": "127.0.0.1, ::1"}
	if c, _ = Load(path, func(k string) string { return env[k] }); len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "::1" {
		t.Fatalf("the environment does not override: %q", c.TrustedProxies)
	}
	c.TrustedProxies = []string{"10.0.0.0/8", "proxy.example.com", "10.0.0.0/40"}
	err = c.Validate()
	if err == nil || strings.Count(err.Error(), "trusted_proxies:") != 2 {
		t.Fatalf("bad proxies: %v", err)
	}
}

func TestWebhooksAllowPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("webhooks:\n  allow_private: true\n"), 0o600)
	c, err := Load(path, func(string) string { return "" })
	if err != nil || !c.Webhooks.AllowPrivate {
		t.Fatalf("from the file: %+v, %v", c.Webhooks, err)
	}
	c, err = Load(path, func(k string) string { return map[string]string{"DEADBOLT_WEBHOOKS_ALLOW_PRIVATE": "false"}[k] })
	if err != nil || c.Webhooks.AllowPrivate {
		t.Fatalf("the environment does not override the file: %+v, %v", c.Webhooks, err)
	}
	if Default().Webhooks.AllowPrivate {
		t.Fatal("private receivers are allowed by default")
	}
	if _, err := Load("", func(k string) string { return map[string]string{"DEADBOLT_WEBHOOKS_ALLOW_PRIVATE": "maybe"}[k] }); err == nil {
		t.Fatal("a bad boolean is accepted")
	}
}

func TestMetricsTLSDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("metrics_addr: 127.0.0.1:9100\ntls:\n  cert_file: /c.pem\n  key_file: /k.pem\ndisk:\n  warn_free_percent: 20\n"), 0o600)
	env := map[string]string{"DEADBOLT_DISK_MIN_FREE_PERCENT": "5"}
	c, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9100" || c.TLS.KeyFile != "/k.pem" || c.Disk.WarnFreePercent != 20 || c.Disk.MinFreePercent != 5 {
		t.Fatalf("not loaded: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.EffectivePublicURL() != "https://127.0.0.1:8420" {
		t.Errorf("with TLS the default public URL is %s", c.EffectivePublicURL())
	}
	for name, bad := range map[string]func(*Config){
		"metrics on addr":  func(c *Config) { c.MetricsAddr = c.Addr },
		"metrics not addr": func(c *Config) { c.MetricsAddr = "9100" },
		"cert without key": func(c *Config) { c.TLS.KeyFile = "" },
		"min above warn":   func(c *Config) { c.Disk.MinFreePercent = 30 },
		"warn above 100":   func(c *Config) { c.Disk.WarnFreePercent = 101 },
	} {
		b := c
		bad(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Load("", func(k string) string {
		return map[string]string{"DEADBOLT_DISK_WARN_FREE_PERCENT": "ten"}[k]
	}); err == nil {
		t.Error("a percentage that is not a number was accepted")
	}
}

func TestSlack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte("slack:\n  bot_token_file: /run/secrets/slack-bot\n  api_url: https://slack.example.test/api/\n"), 0o600)
	env := map[string]string{"DEADBOLT_SLACK_SIGNING_SECRET": "s3cret"}
	c, err := Load(path, func(k string) string { return env[k] })
	if err != nil || !c.Slack.Enabled() || c.Slack.SigningSecret != "s3cret" || c.Slack.APIURL != "https://slack.example.test/api/" {
		t.Fatalf("slack: %+v, %v", c.Slack, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("a whole Slack app does not validate: %v", err)
	}
	if _, err := Load("", nil); err != nil || Default().Slack.Enabled() {
		t.Fatal("Slack is on by default")
	}
	// A token without a signing secret, a secret without a token, a bad
	// URL: each named.
	for _, c := range []struct {
		yaml, field string
	}{
		{"slack:\n  bot_token_file: /x\n", "slack.signing_secret_file"},
		{"slack:\n  signing_secret_file: /x\n", "slack.bot_token_file"},
		{"slack:\n  bot_token_file: /x\n  signing_secret_file: /y\n  api_url: slack.com\n", "slack.api_url"},
	} {
		os.WriteFile(path, []byte(c.yaml), 0o600)
		cfg, err := Load(path, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%q: %v, want a problem with %s", c.yaml, err, c.field)
		}
	}
	// The secrets are never read from the YAML itself.
	os.WriteFile(path, []byte("slack:\n  bot_token: xoxb-in-the-file\n"), 0o600)
	if _, err := Load(path, func(string) string { return "" }); err == nil {
		t.Fatal("a bot token in the YAML is accepted")
	}
}
