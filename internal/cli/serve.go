package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/server"
	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

func (a *app) serveCmd() *cobra.Command {
	var addr, publicURL, geoipDB, checkLog, checkLogRetention, metricsAddr, tlsCert, tlsKey string
	var noMigrate, allowPrivateHooks bool
	var trustedProxies []string
	var jobLease, clockOffset time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the lock-check API",
		Long: `Run a deadbolt node: the lock-check API (Next Level3-compatible paths and
/v1/check), the portal (passkey sign-in, my accounts, unlock requests,
enablement at /enable), /healthz, /readyz and /metrics.

When no owner of a tenant can sign in to the portal yet (no owner has a
passkey), serve prints a one-time setup link for the tenant's first owner;
see also deadbolt member invite.

On the embedded default the data directory ./deadbolt-data/ is created with
mode 0700 and a master key (master.key, mode 0600) is generated on first start
unless DEADBOLT_MASTER_KEY or DEADBOLT_MASTER_KEY_FILE is set. Back that key up:
signing secrets are encrypted under it.

Lock-check tokens must carry this server's public URL as their audience
(with or without a trailing slash, or its bare host).

By default each check answers only once its record in the check log is
durable (group-committed, many checks per transaction). --check-log=async
answers first and writes after: more throughput, but records still queued
when the process dies are lost. Records older than --check-log-retention
(default 400 days; "forever" keeps them all) are deleted by a background
job. On SQLite the check log is a file of its own next to the database
(deadbolt.db.checks); see docs/operations.md.

With a PostgreSQL database (--db postgres://…) any number of nodes may
serve one database behind a load balancer: each caches what the lock check
reads and hears of every change — from other nodes and from the CLI —
through LISTEN/NOTIFY; background jobs (webhook delivery, expiry) run on
one node at a time under leases. Every node and every CLI needs the same
master key (DEADBOLT_MASTER_KEY or DEADBOLT_MASTER_KEY_FILE). See
docs/deploy.md.

Context policies that allow countries look the client's address up in
--geoip-db, a MaxMind-format database (GeoLite2 or GeoIP2 Country or City).
Without one, each country rule's on_unknown decides (deny by default). A
file that is not such a database stops serve before it starts.

Behind a reverse proxy, name it with --trusted-proxy (a CIDR or an address;
repeatable, or commas): requests arriving from it take their client address
from X-Forwarded-For, the right-most hop that is not a trusted proxy. That
address is what the failed-token throttle, the check log, unlock requests
and the portal's sign-in limits see. X-Forwarded-For from anyone else is
ignored.

Webhooks and Web Push reach only public addresses: a URL whose host is, or
resolves to, a loopback, private, link-local, shared (CGNAT) or cloud metadata
address is refused when it is created and again when it is dialled.
--allow-private-webhooks lifts this for webhooks to receivers on your own
network (never for metadata addresses).

/readyz answers 503 with the reason when the node cannot decide checks:
the database does not answer, the check log cannot be written (disk full,
read-only, I/O error), or the data directory's filesystem is below
disk.min_free_percent (2%) free. Below disk.warn_free_percent (10%) the log
warns once an hour; deadbolt_data_free_ratio is the metric. See
docs/operations.md.

--metrics-addr serves /metrics on an address of its own (and not on --addr):
keep it private. --tls-cert and --tls-key serve HTTPS directly, for a single
node without a proxy in front (passkeys need HTTPS off localhost).

SIGINT or SIGTERM stops accepting connections, lets in-flight checks finish
and flushes the check log.`,
		Example: `  deadbolt serve
  deadbolt serve --addr 0.0.0.0:8420 --public-url https://lock.example.com
  DEADBOLT_LOG_FORMAT=json deadbolt serve --check-log async
  deadbolt serve --addr 0.0.0.0:443 --public-url https://lock.example.com \
      --tls-cert /etc/deadbolt/fullchain.pem --tls-key /etc/deadbolt/privkey.pem --metrics-addr 127.0.0.1:9420
  deadbolt serve --public-url https://lock.example.com --trusted-proxy 127.0.0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr != "" {
				a.cfg.Addr = addr
			}
			if publicURL != "" {
				a.cfg.PublicURL = publicURL
			}
			if checkLog != "" {
				a.cfg.CheckLog = checkLog
			}
			if geoipDB != "" {
				a.cfg.GeoIPDB = geoipDB
			}
			if checkLogRetention != "" {
				a.cfg.CheckLogRetention = checkLogRetention
			}
			if cmd.Flags().Changed("trusted-proxy") {
				a.cfg.TrustedProxies = trustedProxies
			}
			if metricsAddr != "" {
				a.cfg.MetricsAddr = metricsAddr
			}
			if tlsCert != "" || tlsKey != "" {
				a.cfg.TLS.CertFile, a.cfg.TLS.KeyFile = tlsCert, tlsKey
			}
			if noMigrate {
				f := false
				a.cfg.AutoMigrate = &f
			}
			if allowPrivateHooks {
				a.cfg.Webhooks.AllowPrivate = true
			}
			if err := a.cfg.Validate(); err != nil {
				return usageErr("%v", err)
			}
			a.mayCreate = true
			// Bind first: with the port taken, fail before creating,
			// printing or storing anything (a setup link included).
			var err error
			deps := server.Deps{JobLease: jobLease}
			if a.cfg.TLS.CertFile != "" {
				if deps.TLS, err = server.LoadTLS(a.cfg.TLS); err != nil {
					return usageErr("%v", err)
				}
			}
			if a.cfg.GeoIPDB != "" {
				geo, err := policy.OpenGeoIP(a.cfg.GeoIPDB)
				if err != nil {
					return usageErr("--geoip-db: %v (give a MaxMind-format Country or City database, such as GeoLite2-Country.mmdb)", err)
				}
				defer geo.Close()
				deps.Geo = geo
			}
			if deps.Listener, err = listen(a.cfg.Addr); err != nil {
				return err
			}
			defer deps.Listener.Close()
			if a.cfg.MetricsAddr != "" {
				if deps.MetricsListener, err = listen(a.cfg.MetricsAddr); err != nil {
					return err
				}
				defer deps.MetricsListener.Close()
			}
			log := newLogger(a.stderr, a.cfg.Log.Format, a.cfg.Log.Level)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			box, err := a.box(ctx, log)
			if err != nil {
				return err
			}
			s, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			var clk clock.Clock = clock.Real{}
			if clockOffset != 0 {
				clk = clock.Skewed{Offset: clockOffset}
				log.Warn("this node's clock is deliberately wrong (--test-clock-offset): for fault-injection tests only", "offset", clockOffset.String())
			}
			if err := a.printSetupLinks(cmd, &admin.Service{Store: s, Clock: clk}); err != nil {
				return err
			}
			// Both backends tell of every process's changes, so the lock
			// check may cache what it reads.
			deps.Feed = s
			deps.Config, deps.Store, deps.Box, deps.Log, deps.Clock = a.cfg, s, box, log, clk
			if p := backend.SQLitePath(a.cfg.DB); p != "" {
				deps.DataDir = filepath.Dir(p)
			}
			scheme := "http"
			if deps.TLS != nil {
				scheme = "https"
			}
			return server.Run(ctx, deps, func(bound string) {
				fmt.Fprintf(a.stderr, "deadbolt listening on %s://%s (public URL %s, portal %s)\n",
					scheme, bound, a.cfg.EffectivePublicURL(), portal.URL(a.cfg.EffectivePublicURL()))
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (env DEADBOLT_ADDR; default 127.0.0.1:8420)")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "URL clients reach this server at; the token audience (env DEADBOLT_PUBLIC_URL; default http://ADDR)")
	cmd.Flags().StringVar(&geoipDB, "geoip-db", "", "MaxMind-format GeoIP database (Country or City .mmdb) for context policies' country rules (config geoip_db, env DEADBOLT_GEOIP_DB; default none: each rule's on_unknown decides)")
	cmd.Flags().StringVar(&checkLog, "check-log", "", "sync (answer once the record is durable) or async (env DEADBOLT_CHECK_LOG; default sync)")
	cmd.Flags().StringVar(&checkLogRetention, "check-log-retention", "", "how long check records are kept: days (400d), a duration (720h) or forever (config check_log_retention, env DEADBOLT_CHECK_LOG_RETENTION; default 400d)")
	durationFlag(cmd.Flags(), &jobLease, "job-lease", 0, "how long a node holds a background job without renewing it: another node takes over that long after one dies (default 15s)")
	cmd.Flags().BoolVar(&allowPrivateHooks, "allow-private-webhooks", false, "let webhooks reach loopback, private and link-local addresses, for receivers on your own network (config webhooks.allow_private, env DEADBOLT_WEBHOOKS_ALLOW_PRIVATE); metadata addresses stay refused")
	cmd.Flags().StringSliceVar(&trustedProxies, "trusted-proxy", nil, "reverse proxy (CIDR or address; repeatable) whose X-Forwarded-For names the client (env DEADBOLT_TRUSTED_PROXIES; default none)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics on this address only, not on --addr (env DEADBOLT_METRICS_ADDR); keep it private")
	cmd.Flags().StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate chain (env DEADBOLT_TLS_CERT; with --tls-key)")
	cmd.Flags().StringVar(&tlsKey, "tls-key", "", "the certificate's PEM private key (env DEADBOLT_TLS_KEY)")
	cmd.Flags().DurationVar(&clockOffset, "test-clock-offset", 0, "shift this node's clock (fault-injection tests only)")
	cmd.Flags().MarkHidden("test-clock-offset")
	cmd.Flags().BoolVar(&noMigrate, "no-auto-migrate", false, "refuse to start when the database schema is behind instead of migrating it")
	return cmd
}

// listen binds addr, explaining the usual failures as the operator's to fix.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, usageErr("cannot listen on %s: the address is in use (is another deadbolt running?); choose another with --addr or DEADBOLT_ADDR", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, usageErr("cannot listen on %s: permission denied (ports below 1024 need privileges); choose another with --addr", addr)
	case err != nil:
		return nil, usageErr("cannot listen on %s: %v", addr, err)
	}
	return ln, nil
}

func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
