package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
)

// DefaultDB is the embedded default database.
const DefaultDB = "sqlite:./deadbolt-data/deadbolt.db"

// Config is the whole configuration of a deadbolt process.
type Config struct {
	// DB is "sqlite:PATH" or "postgres://…" (env DEADBOLT_DB).
	DB string `yaml:"db"`
	// Addr is the listen address of serve (env DEADBOLT_ADDR).
	Addr string `yaml:"addr"`
	// PublicURL is the URL clients use to reach this server; it is the
	// audience lock-check tokens must carry. Default: http://<addr>
	// (env DEADBOLT_PUBLIC_URL).
	PublicURL string `yaml:"public_url"`
	// Audiences are more accepted token audiences, e.g. the URL of a load
	// balancer in front of several nodes (env DEADBOLT_AUDIENCES, commas).
	Audiences []string `yaml:"audiences"`
	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For is believed: for requests from them the client
	// address is the right-most hop that is not a trusted proxy. Empty
	// trusts none (env DEADBOLT_TRUSTED_PROXIES, commas).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// GeoIPDB is a MaxMind-format GeoIP database file (GeoLite2 or
	// GeoIP2 Country or City) that context policies' country rules look
	// addresses up in. Empty: there is none, and each country rule's
	// on_unknown decides (env DEADBOLT_GEOIP_DB; serve --geoip-db).
	GeoIPDB string `yaml:"geoip_db"`
	// CheckLog is "sync" (a check answers once its log record is durable)
	// or "async" (faster; records queued at a crash are lost)
	// (env DEADBOLT_CHECK_LOG).
	CheckLog string `yaml:"check_log"`
	// CheckLogRetention is how long check records are kept: whole days
	// ("400d"), a Go duration ("720h"), or "forever" to keep every record.
	// A background job deletes older records in small rounds
	// (env DEADBOLT_CHECK_LOG_RETENTION; serve --check-log-retention;
	// default 400d). See Retention.
	CheckLogRetention string `yaml:"check_log_retention"`
	// MasterKeyFile holds the 32-byte master key, raw or base64
	// (env DEADBOLT_MASTER_KEY_FILE; or the key itself in DEADBOLT_MASTER_KEY).
	// Default: master.key in the SQLite database's directory, created on
	// first start.
	MasterKeyFile string `yaml:"master_key_file"`
	// MasterKey is only ever read from DEADBOLT_MASTER_KEY, never from a file
	// that might be committed.
	MasterKey string `yaml:"-"`
	// ShutdownTimeout bounds how long serve waits for in-flight checks.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// AutoMigrate lets serve bring the schema up to date at start.
	AutoMigrate *bool `yaml:"auto_migrate"`
	Log         Log   `yaml:"log"`
	RateLimit   Rate  `yaml:"rate_limit"`
	// Portal configures the browser portal and unlock requests.
	Portal Portal `yaml:"portal"`
	// SMTP configures notification email; without an address no mail is
	// sent.
	SMTP SMTP `yaml:"smtp"`
	// Webhooks configures where webhooks may be sent.
	Webhooks Webhooks `yaml:"webhooks"`
	// Slack configures the deployment's Slack app, through which approvers
	// vote from Slack; without a bot token Slack is off.
	Slack Slack `yaml:"slack"`
	// Audit configures signed checkpoints of the audit trail and their
	// outside witnesses.
	Audit Audit `yaml:"audit"`
	// MetricsAddr, when set, serves /metrics on this address of its own
	// (host:port) and not on Addr (env DEADBOLT_METRICS_ADDR). Keep it
	// private: metrics tell an attacker about traffic and failures.
	MetricsAddr string `yaml:"metrics_addr"`
	// TLS makes serve speak HTTPS itself, for a single node without a
	// proxy in front.
	TLS TLS `yaml:"tls"`
	// Disk sets when the data directory's free space warns and when it
	// makes the node not ready.
	Disk Disk `yaml:"disk"`
}

// TLS is the certificate serve presents. Both files or neither.
type TLS struct {
	// CertFile is a PEM certificate chain (env DEADBOLT_TLS_CERT).
	CertFile string `yaml:"cert_file"`
	// KeyFile is its PEM private key (env DEADBOLT_TLS_KEY).
	KeyFile string `yaml:"key_file"`
}

// Disk sets the free-space thresholds of the data directory's filesystem
// (SQLite installs), in percent.
type Disk struct {
	// WarnFreePercent: below it the log warns, once an hour
	// (env DEADBOLT_DISK_WARN_FREE_PERCENT; default 10).
	WarnFreePercent float64 `yaml:"warn_free_percent"`
	// MinFreePercent: below it /readyz answers 503
	// (env DEADBOLT_DISK_MIN_FREE_PERCENT; default 2).
	MinFreePercent float64 `yaml:"min_free_percent"`
}

// Webhooks configures outbound webhook delivery.
type Webhooks struct {
	// AllowPrivate lets webhooks reach loopback, private, link-local and
	// shared (CGNAT) addresses, for receivers on the operator's own
	// network (env DEADBOLT_WEBHOOKS_ALLOW_PRIVATE; serve
	// --allow-private-webhooks). Off, such hosts are refused when a
	// webhook is created and again when it is dialled. Cloud metadata
	// addresses are refused either way.
	AllowPrivate bool `yaml:"allow_private"`
}

// Slack is one Slack app for the whole deployment (docs/approvals.md,
// "Approving from Slack"). Its secrets are read like the SMTP password:
// from the environment or from a file, never from the YAML itself. Calls
// to Slack go through the egress policy, so an api_url on a private
// address needs webhooks.allow_private.
type Slack struct {
	// BotToken is the app's bot token, xoxb-… (env DEADBOLT_SLACK_BOT_TOKEN,
	// or the file named by BotTokenFile / DEADBOLT_SLACK_BOT_TOKEN_FILE).
	BotToken     string `yaml:"-"`
	BotTokenFile string `yaml:"bot_token_file"`
	// SigningSecret verifies Slack's requests to /slack/interactions
	// (env DEADBOLT_SLACK_SIGNING_SECRET, or the file named by
	// SigningSecretFile / DEADBOLT_SLACK_SIGNING_SECRET_FILE).
	SigningSecret     string `yaml:"-"`
	SigningSecretFile string `yaml:"signing_secret_file"`
	// APIURL is Slack's Web API; empty means https://slack.com/api/
	// (env DEADBOLT_SLACK_API_URL).
	APIURL string `yaml:"api_url"`
}

// Enabled reports whether a Slack app is configured.
func (s Slack) Enabled() bool { return s.BotToken != "" || s.BotTokenFile != "" }

// Audit configures the checkpoint job: each tenant's audit chain is signed
// after CheckpointEvents new records, or CheckpointInterval after its last
// checkpoint if it moved, and each checkpoint is sent to every witness.
type Audit struct {
	// CheckpointInterval (default 10m).
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// CheckpointEvents (default 1000).
	CheckpointEvents int64 `yaml:"checkpoint_events"`
	// Witnesses receive a copy of every checkpoint through the outbox, so
	// that one lives outside the database.
	Witnesses []Witness `yaml:"witnesses"`
	// SIEM endpoints receive every audit event through the outbox, and
	// the check decisions too where they opt in.
	SIEM []SIEM `yaml:"siem"`
}

// SIEM is one endpoint the audit events stream to: format "syslog" (RFC
// 5424 over TCP or TLS, Address tcp://host:port or tls://host:port),
// "json" (each event posted to Address, an http(s) URL) or "ndjson" (a
// batch of events posted to Address as one body, an event a line). With
// Checks it also receives every lock-check decision (package siem,
// CheckJob).
type SIEM struct {
	Name    string `yaml:"name"`
	Format  string `yaml:"format"`
	Address string `yaml:"address"`
	// CAFile, for tls://, holds the PEM certificates that sign the
	// receiver's; empty means the system's roots.
	CAFile string `yaml:"ca_file"`
	// Checks adds the check decisions (one per lock check: many) to the
	// stream, a couple of seconds after each check.
	Checks bool `yaml:"checks"`
}

// ReservedNamePrefix starts the stream names deadbolt's own jobs use
// beside the witnesses and SIEM endpoints (stream cursors share one
// namespace): no configured endpoint may take one.
const ReservedNamePrefix = "deadbolt:"

// SIEMNames lists the SIEM endpoints' names.
func (a Audit) SIEMNames() []string {
	var out []string
	for _, s := range a.SIEM {
		out = append(out, s.Name)
	}
	return out
}

// SIEMCheckNames lists the SIEM endpoints that opted in to the check
// decisions.
func (a Audit) SIEMCheckNames() []string {
	var out []string
	for _, s := range a.SIEM {
		if s.Checks {
			out = append(out, s.Name)
		}
	}
	return out
}

// Witness is one outside copy of the checkpoints: a URL that receives each
// as a JSON POST, or a file each is appended to. Exactly one of the two.
type Witness struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	File string `yaml:"file"`
}

// WitnessNames lists the witnesses' names.
func (a Audit) WitnessNames() []string {
	var out []string
	for _, w := range a.Witnesses {
		out = append(out, w.Name)
	}
	return out
}

// SMTP is the mail server that notification email goes through.
type SMTP struct {
	// Addr is host:port of the server (env DEADBOLT_SMTP_ADDR); empty
	// sends no mail.
	Addr string `yaml:"addr"`
	// From is the sender address (env DEADBOLT_SMTP_FROM).
	From string `yaml:"from"`
	// Username and password for SMTP AUTH (env DEADBOLT_SMTP_USERNAME;
	// the password only from DEADBOLT_SMTP_PASSWORD or the file named by
	// PasswordFile / DEADBOLT_SMTP_PASSWORD_FILE).
	Username     string `yaml:"username"`
	Password     string `yaml:"-"`
	PasswordFile string `yaml:"password_file"`
	// TLS is starttls (default: upgrade, refuse if the server cannot), tls
	// (implicit TLS, port 465) or none (a relay on the same host)
	// (env DEADBOLT_SMTP_TLS).
	TLS string `yaml:"tls"`
}

// Portal configures the browser portal, its sign-in sessions and the
// unlock requests that locked checks raise.
type Portal struct {
	// RequestTTL is how long an unlock request stays open after the latest
	// check that raised it (env DEADBOLT_REQUEST_TTL; default 5m).
	RequestTTL time.Duration `yaml:"request_ttl"`
	// SessionIdle signs a browser out after this long without a request;
	// SessionMax after this long in any case.
	SessionIdle time.Duration `yaml:"session_idle"`
	SessionMax  time.Duration `yaml:"session_max"`
	// InviteTTL is how long a setup or invite link works.
	InviteTTL time.Duration `yaml:"invite_ttl"`
}

// Log configures structured logging.
type Log struct {
	Format string `yaml:"format"` // text or json (env DEADBOLT_LOG_FORMAT)
	Level  string `yaml:"level"`  // debug, info, warn, error (env DEADBOLT_LOG_LEVEL)
}

// Rate configures the throttle on clients whose lock checks fail
// authentication.
type Rate struct {
	FailuresPerSecond float64 `yaml:"failures_per_second"`
	Burst             int     `yaml:"burst"`
}

// Default returns the defaults.
func Default() Config {
	yes := true
	return Config{
		DB: DefaultDB, Addr: "127.0.0.1:8420", CheckLog: "sync", CheckLogRetention: "400d", ShutdownTimeout: 15 * time.Second,
		AutoMigrate: &yes, Log: Log{Format: "text", Level: "info"},
		RateLimit: Rate{FailuresPerSecond: 5, Burst: 50},
		Portal: Portal{RequestTTL: 5 * time.Minute, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour,
			InviteTTL: 72 * time.Hour},
		Disk:  Disk{WarnFreePercent: 10, MinFreePercent: 2},
		Audit: Audit{CheckpointInterval: 10 * time.Minute, CheckpointEvents: 1000},
	}
}

// Load returns the defaults overlaid with the YAML file at path (if path is
// not empty) and then the environment. It does not validate.
func Load(path string, env func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // an empty file is fine
			return c, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	return c, c.applyEnv(env)
}

func (c *Config) applyEnv(env func(string) string) error {
	if env == nil {
		env = os.Getenv
	}
	var problems []string
	str := func(name string, dst *string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	str("DEADBOLT_DB", &c.DB)
	str("DEADBOLT_ADDR", &c.Addr)
	str("DEADBOLT_PUBLIC_URL", &c.PublicURL)
	str("DEADBOLT_CHECK_LOG", &c.CheckLog)
	str("DEADBOLT_CHECK_LOG_RETENTION", &c.CheckLogRetention)
	str("DEADBOLT_MASTER_KEY_FILE", &c.MasterKeyFile)
	str("DEADBOLT_GEOIP_DB", &c.GeoIPDB)
	str("DEADBOLT_MASTER_KEY", &c.MasterKey)
	str("DEADBOLT_SMTP_ADDR", &c.SMTP.Addr)
	str("DEADBOLT_SMTP_FROM", &c.SMTP.From)
	str("DEADBOLT_SMTP_USERNAME", &c.SMTP.Username)
	str("DEADBOLT_SMTP_PASSWORD", &c.SMTP.Password)
	str("DEADBOLT_SMTP_PASSWORD_FILE", &c.SMTP.PasswordFile)
	str("DEADBOLT_SMTP_TLS", &c.SMTP.TLS)
	str("DEADBOLT_SLACK_BOT_TOKEN", &c.Slack.BotToken)
	str("DEADBOLT_SLACK_BOT_TOKEN_FILE", &c.Slack.BotTokenFile)
	str("DEADBOLT_SLACK_SIGNING_SECRET", &c.Slack.SigningSecret)
	str("DEADBOLT_SLACK_SIGNING_SECRET_FILE", &c.Slack.SigningSecretFile)
	str("DEADBOLT_SLACK_API_URL", &c.Slack.APIURL)
	str("DEADBOLT_LOG_FORMAT", &c.Log.Format)
	str("DEADBOLT_LOG_LEVEL", &c.Log.Level)
	if v := env("DEADBOLT_AUDIENCES"); v != "" {
		c.Audiences = splitList(v)
	}
	if v := env("DEADBOLT_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = splitList(v)
	}
	if v := env("DEADBOLT_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			problems = append(problems, "DEADBOLT_SHUTDOWN_TIMEOUT: "+err.Error())
		}
		c.ShutdownTimeout = d
	}
	if v := env("DEADBOLT_REQUEST_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			problems = append(problems, "DEADBOLT_REQUEST_TTL: "+err.Error())
		}
		c.Portal.RequestTTL = d
	}
	if v := env("DEADBOLT_WEBHOOKS_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE: want true or false")
		}
		c.Webhooks.AllowPrivate = b
	}
	str("DEADBOLT_METRICS_ADDR", &c.MetricsAddr)
	str("DEADBOLT_TLS_CERT", &c.TLS.CertFile)
	str("DEADBOLT_TLS_KEY", &c.TLS.KeyFile)
	for name, dst := range map[string]*float64{
		"DEADBOLT_DISK_WARN_FREE_PERCENT": &c.Disk.WarnFreePercent,
		"DEADBOLT_DISK_MIN_FREE_PERCENT":  &c.Disk.MinFreePercent,
	} {
		if v := env(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				problems = append(problems, name+": want a percentage such as 10")
			}
			*dst = f
		}
	}
	if v := env("DEADBOLT_AUTO_MIGRATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, "DEADBOLT_AUTO_MIGRATE: want true or false")
		}
		c.AutoMigrate = &b
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// splitList splits a comma-separated environment value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// EffectivePublicURL is PublicURL, or http://Addr (https:// with TLS)
// when it is not set.
func (c Config) EffectivePublicURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	if c.TLS.CertFile != "" {
		return "https://" + c.Addr
	}
	return "http://" + c.Addr
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var problems []string
	add := func(field, format string, args ...any) {
		problems = append(problems, field+": "+fmt.Sprintf(format, args...))
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		add("db", "want sqlite:PATH or postgres://…, got %q", c.DB)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		add("addr", "want host:port, got %q", c.Addr)
	}
	if c.PublicURL != "" {
		if !isHTTPURL(c.PublicURL) {
			add("public_url", "want an absolute http(s) URL, got %q", c.PublicURL)
		}
	}
	for _, p := range c.TrustedProxies {
		if _, err := clientaddr.ParsePrefix(p); err != nil {
			add("trusted_proxies", "want CIDRs or addresses, got %q", p)
		}
	}
	if c.CheckLog != "sync" && c.CheckLog != "async" {
		add("check_log", "want sync or async, got %q", c.CheckLog)
	}
	if _, err := ParseRetention(c.CheckLogRetention); err != nil {
		add("check_log_retention", "%v", err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		add("log.format", "want text or json, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Slack.Enabled() && c.Slack.SigningSecret == "" && c.Slack.SigningSecretFile == "" {
		add("slack.signing_secret_file", "a Slack bot token needs the app's signing secret (DEADBOLT_SLACK_SIGNING_SECRET or signing_secret_file)")
	}
	if !c.Slack.Enabled() && (c.Slack.SigningSecret != "" || c.Slack.SigningSecretFile != "" || c.Slack.APIURL != "") {
		add("slack.bot_token_file", "Slack settings without a bot token (DEADBOLT_SLACK_BOT_TOKEN or bot_token_file)")
	}
	if c.Slack.APIURL != "" {
		if !isHTTPURL(c.Slack.APIURL) {
			add("slack.api_url", "want an absolute http(s) URL, got %q", c.Slack.APIURL)
		}
	}
	if c.ShutdownTimeout <= 0 {
		add("shutdown_timeout", "must be positive")
	}
	if c.Audit.CheckpointInterval <= 0 {
		add("audit.checkpoint_interval", "must be positive")
	}
	if c.Audit.CheckpointEvents <= 0 {
		add("audit.checkpoint_events", "must be positive")
	}
	seen := map[string]bool{}
	for i, w := range c.Audit.Witnesses {
		field := fmt.Sprintf("audit.witnesses[%d]", i)
		checkOutsideName(add, field+".name", w.Name, seen, "")
		if (w.URL == "") == (w.File == "") {
			add(field, "set exactly one of url and file")
		}
		if w.URL != "" && !isHTTPURL(w.URL) {
			add(field+".url", "want an absolute http(s) URL, got %q", w.URL)
		}
	}
	for i, s := range c.Audit.SIEM {
		field := fmt.Sprintf("audit.siem[%d]", i)
		checkOutsideName(add, field+".name", s.Name, seen, " (witness and SIEM names share one namespace)")
		u, err := url.Parse(s.Address)
		ok := err == nil && u.Host != "" && (u.Path == "" || u.Scheme == "http" || u.Scheme == "https")
		switch s.Format {
		case "syslog":
			if !ok || (u.Scheme != "tcp" && u.Scheme != "tls") || u.Port() == "" {
				add(field+".address", "want tcp://host:port or tls://host:port for syslog, got %q", s.Address)
			}
		case "json", "ndjson":
			if !ok || (u.Scheme != "http" && u.Scheme != "https") {
				add(field+".address", "want an absolute http(s) URL for %s, got %q", s.Format, s.Address)
			}
		default:
			add(field+".format", "want syslog, json or ndjson, got %q", s.Format)
		}
		if s.CAFile != "" && (err != nil || u.Scheme != "tls") {
			add(field+".ca_file", "applies to tls:// addresses only")
		}
	}
	if c.SMTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
			add("smtp.addr", "want host:port, got %q", c.SMTP.Addr)
		}
		if c.SMTP.From == "" {
			add("smtp.from", "a from-address is needed to send mail")
		}
		switch c.SMTP.TLS {
		case "", "starttls", "tls", "none":
		default:
			add("smtp.tls", "want starttls, tls or none, got %q", c.SMTP.TLS)
		}
	}
	if c.Portal.RequestTTL <= 0 || c.Portal.SessionIdle <= 0 || c.Portal.SessionMax <= 0 || c.Portal.InviteTTL <= 0 {
		add("portal", "request_ttl, session_idle, session_max and invite_ttl must be positive")
	}
	if c.RateLimit.FailuresPerSecond < 0 || c.RateLimit.Burst < 0 {
		add("rate_limit", "must not be negative")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			add("metrics_addr", "want host:port, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr {
			add("metrics_addr", "must differ from addr (%s): metrics get an address of their own", c.Addr)
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		add("tls", "give both cert_file and key_file (--tls-cert and --tls-key), or neither")
	}
	if d := c.Disk; d.MinFreePercent < 0 || d.WarnFreePercent > 100 || d.MinFreePercent > d.WarnFreePercent {
		add("disk", "want 0 <= min_free_percent <= warn_free_percent <= 100, got %g and %g", d.MinFreePercent, d.WarnFreePercent)
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// isHTTPURL reports whether v is an absolute http or https URL with a host.
func isHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// checkOutsideName checks the name of a witness or SIEM endpoint, which
// share one namespace (seen, which it adds name to): required, unique, and
// not one of deadbolt's own (ReservedNamePrefix). twice is added to the
// message of a name used twice.
func checkOutsideName(add func(field, format string, args ...any), field, name string, seen map[string]bool, twice string) {
	switch {
	case name == "":
		add(field, "is required")
	case seen[name]:
		add(field, "%q is used twice"+twice, name)
	case strings.HasPrefix(name, ReservedNamePrefix):
		add(field, "%q: names starting with %q are deadbolt's own", name, ReservedNamePrefix)
	}
	seen[name] = true
}

// ParseRetention reads a check-log retention: whole days ("400d"), a Go
// duration ("720h"), or "forever", for which it returns 0 (keep every
// record). Zero and negative periods are refused rather than read as
// "keep nothing" or "keep everything": a typo must not empty the log.
func ParseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "forever" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100*366 {
			return 0, fmt.Errorf("want days such as 400d, a duration such as 720h, or forever; got %q", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("want days such as 400d, a duration such as 720h, or forever; got %q", v)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("want a positive period (or forever to keep every record), got %q", v)
	}
	return d, nil
}

// Retention is CheckLogRetention parsed; 0 keeps every record. Call it
// on a validated Config.
func (c Config) Retention() time.Duration {
	d, _ := ParseRetention(c.CheckLogRetention)
	return d
}
