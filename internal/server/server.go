package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/blockedsignin"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/checkpoint"
	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/disk"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/jobs"
	"github.com/deadbolt-dev/deadbolt/internal/metrics"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/oidc"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/policyapi"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/scim"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
	"github.com/deadbolt-dev/deadbolt/internal/userimport"
)

// Deps are what a node needs from its caller.
type Deps struct {
	Config config.Config
	Store  store.Store
	Box    *seal.Box
	Log    *slog.Logger
	Clock  clock.Clock
	// Feed, when set, tells of every change made to the database by this
	// or any other process (PostgreSQL: LISTEN/NOTIFY; SQLite: its WAL
	// index): the lock check then reads through a cache it keeps true.
	// Nil: the check reads the store every time.
	Feed cache.Feed
	// JobLease is how long a background job's lease lasts without renewal,
	// and so how soon another node takes over from one that died; 0 means
	// the runner's default.
	JobLease time.Duration
	// DataDir is the directory of the SQLite database: its filesystem's free
	// space is a metric, warns in the log when low and makes the node not
	// ready when nearly full or read-only. Empty for PostgreSQL.
	DataDir string
	// MetricsListener, when set, is the socket for /metrics bound by the
	// caller (with Config.MetricsAddr); nil listens on MetricsAddr if set.
	MetricsListener net.Listener
	// TLS, when set, makes the node serve HTTPS; nil loads Config.TLS's
	// files if they are set.
	TLS *tls.Config
	// Geo locates client addresses for context policies' country rules
	// (serve --geoip-db); nil: there is no GeoIP database, and each
	// rule's on_unknown decides.
	Geo policy.Geo
	// Listener, when set, is the socket to serve on, bound by the caller
	// before anything else happens (so a taken port fails before the node
	// prints or stores anything); nil listens on Config.Addr.
	Listener net.Listener
}

// apiTokenFlush is how often the API tokens' last use is written.
const apiTokenFlush = 10 * time.Second

// Run serves until ctx ends, then shuts down gracefully: it stops accepting
// connections, waits up to Config.ShutdownTimeout for in-flight requests,
// writes the API tokens' last use (within apitoken.FinalFlush) and
// flushes the check log. listening is called with the bound address
// once the server accepts connections.
func Run(ctx context.Context, d Deps, listening func(addr string)) error {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	cfg := d.Config
	m := metrics.New()
	auds, err := token.AcceptedAudiences(cfg.EffectivePublicURL(),
		append(loopbackAudiences(cfg.EffectivePublicURL()), cfg.Audiences...))
	if err != nil {
		return fmt.Errorf("public URL: %w", err)
	}
	logw := checklog.New(d.Store, checklog.Options{Mode: checklog.Mode(cfg.CheckLog), Observer: m, Logger: d.Log})
	checkReads, stopCache := checkCache(d)
	defer stopCache()
	// Unlock requests: locked checks ask the owner, who hears it live. They
	// read the owner's passkeys on every locked check, through the cache.
	// The portal hears every change live; a new request also writes the
	// owner's email and push notices to the outbox.
	notes, err := requestNotices(cfg, d)
	if err != nil {
		return err
	}
	requests := &access.Requests{Store: checkReads, Clock: d.Clock, TTL: cfg.Portal.RequestTTL, Changed: notes.changed,
		Notify: notes.channels}
	// Approvals: requests an approval policy hands to approvers, who hear
	// of each new one on the channels they chose.
	// A sign-in request under an approval policy asks its approvers too,
	// in the raise's transaction; the requester hears the outcome.
	approvals := &approval.Service{Store: d.Store, Clock: d.Clock, Notify: notes.channels, Changed: notes.changed, Sets: checkReads}
	requests.Approvers = approvals
	// Slack: approvers who linked it hear of requests there, and vote
	// with its buttons.
	outbound := egress.Policy{AllowPrivate: cfg.Webhooks.AllowPrivate}
	slackApp, err := newSlackApp(cfg, d, outbound, approvals)
	if err != nil {
		return err
	}
	approvals.Notify = slackApp.channels(notes.channels)
	svc := check.New(check.Deps{
		Logger: d.Log, Store: checkReads, Keys: checkReads, Clock: d.Clock, Log: logw, Requests: requests,
		Policies:     check.Policies{Sets: checkReads},
		Verifier:     &token.Verifier{Audiences: auds, Leeway: 60 * time.Second, MaxLifetime: 15 * time.Minute, Now: d.Clock.Now},
		ObserveStore: m.ObserveStore,
	})
	// The portal: browser routes on their own mux, with their own CSP,
	// cross-origin protection and HTML errors.
	acc := &access.Service{Store: d.Store, Clock: d.Clock, Notify: notes.channels}
	// The OpenID provider for step-up sign-in, issuing at the portal's
	// URL; its step-up page is the portal's.
	provider, err := oidc.New(oidc.Deps{Store: d.Store, Box: d.Box, Clock: d.Clock, Log: d.Log,
		Issuer: portal.URL(cfg.EffectivePublicURL())})
	if err != nil {
		return err
	}
	auditSigner, err := AuditSigner(d.Box)
	if err != nil {
		return err
	}
	auditKey := auditSigner.PublicKey()
	web, err := portal.New(portal.Deps{StepUp: provider, Store: d.Store, Audit: d.Store, AuditKey: &auditKey, Clock: d.Clock, Log: d.Log, Box: d.Box, Check: svc, Access: acc,
		Requests: requests, Approvals: approvals, Broker: notes.broker, Mail: notes.mail != nil, PushKey: notes.pushKey, PublicURL: cfg.EffectivePublicURL(),
		Config: cfg.Portal, WebhookEgress: egress.Policy{AllowPrivate: cfg.Webhooks.AllowPrivate}, Slack: slackApp.portalLinker(), Geo: d.Geo,
		BreakGlass: &breakglass.Service{Store: d.Store, Clock: d.Clock, Notify: notes.channels}, Policies: checkReads})
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	// A signed vote is checked against the portal's relying party: the
	// passkeys its approvers registered there.
	approvals.Verifier = approval.PasskeyVerifier{Passkeys: web.Passkeys()}

	var lim *ratelimit.Limiter
	if cfg.RateLimit.FailuresPerSecond > 0 {
		lim = ratelimit.New(cfg.RateLimit.FailuresPerSecond, max(cfg.RateLimit.Burst, 1), 0)
	}
	// One decision of each request's client address, for the limiters,
	// the check log, unlock requests and the portal.
	addrs, err := clientaddr.New(cfg.TrustedProxies)
	if err != nil {
		return err
	}

	// Webhooks go out through one client whose dialer checks every address
	// against the egress policy (DNS rebinding cannot pass).
	hooks := outbound.Client(10 * time.Second)
	// Audit checkpoints: signed with a key derived from the master key,
	// copied to the configured witnesses through the outbox.
	signer, witnesses, err := auditWitnesses(cfg, d.Box, hooks)
	if err != nil {
		return err
	}
	// SIEM endpoints take their outbox messages in batches, each under
	// its own job and lease (siem-deliver/NAME, siemDeliverJobs).
	streams, err := siemCarriers(cfg, outbound, hooks)
	if err != nil {
		return err
	}
	holder := jobs.NewHolder()
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	// NL3 importUsers: large batches are jobs kept in the database, run
	// under jobsCtx by the node that took them or, after it stopped, by
	// the node that holds import-resume.
	imports := &userimport.Handler{Store: d.Store, Clock: d.Clock, Log: d.Log, Holder: holder, JobLease: 2 * d.JobLease,
		Background: jobsCtx}
	runner := &jobs.Runner{Holder: holder, TTL: d.JobLease, Store: d.Store, Clock: d.Clock, Log: d.Log, Jobs: append([]jobs.Job{
		{Name: "outbox", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := (&notify.Deliverer{Store: d.Store, Box: d.Box, Clock: d.Clock, Log: d.Log, Client: hooks,
				Mail: notes.mail, Push: notes.push, Slack: slackApp.carrier(), Endpoints: witnesses}).RunOnce(ctx)
			return err
		}},
		{Name: "audit-checkpoint", Interval: 2 * time.Second, Run: func(ctx context.Context) error {
			_, err := (&checkpoint.Job{Store: d.Store, Signer: signer, Clock: d.Clock, Every: cfg.Audit.CheckpointInterval,
				Events: cfg.Audit.CheckpointEvents, Witnesses: cfg.Audit.WitnessNames()}).RunOnce(ctx)
			return err
		}},
		{Name: "audit-siem", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := (&siem.Job{Store: d.Store, Clock: d.Clock, Endpoints: cfg.Audit.SIEMNames()}).RunOnce(ctx)
			return err
		}},
		{Name: "blocked-signin", Interval: time.Second, Run: func(ctx context.Context) error {
			// Alert policies on blocked sign-ins, read from the check log
			// after the lock check wrote it: nothing on the check's path.
			_, err := (&blockedsignin.Job{Store: d.Store, Sets: checkReads, Clock: d.Clock, Notify: notes.channels}).RunOnce(ctx)
			return err
		}},
		{Name: "expiry", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := (&notify.Expiry{Store: d.Store, Clock: d.Clock}).RunOnce(ctx)
			return err
		}},
		{Name: "request-expiry", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := requests.ExpireRequests(ctx)
			return err
		}},
		{Name: "approval-start", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := approvals.StartDue(ctx)
			return err
		}},
		{Name: "operation-expiry", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := approvals.ExpireOperations(ctx)
			return err
		}},
		{Name: "portal-cleanup", Interval: time.Minute, Run: func(ctx context.Context) error {
			now := d.Clock.Now()
			err := d.Store.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.DeleteSessions(ctx, now, now.Add(-cfg.Portal.SessionIdle)); err != nil {
					return err
				}
				_, err := tx.PurgeNonces(ctx, now)
				return err
			})
			if err != nil {
				return err
			}
			if _, err = d.Store.PurgeIdempotencyKeys(ctx, now.Add(-mgmtapi.IdempotencyKeep)); err != nil {
				return err
			}
			_, err = d.Store.PurgeImportJobs(ctx, now)
			return err
		}},
		{Name: "import-resume", Interval: 5 * time.Second, Run: func(ctx context.Context) error {
			// importUsers jobs whose node stopped are run again here.
			_, err := imports.ResumeOnce(ctx)
			return err
		}},
		// SIEM endpoints: one job and lease each, on the nodes that have it.
	}, siemDeliverJobs(d.Store, d.Clock, d.Log, streams)...)}
	if eps := cfg.Audit.SIEMCheckNames(); len(eps) > 0 {
		// Check decisions to the SIEM endpoints that opted in, read from
		// the check log after the check: nothing on its path.
		runner.Jobs = append(runner.Jobs, jobs.Job{Name: "checks-siem", Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := (&siem.CheckJob{Store: d.Store, Clock: d.Clock, Endpoints: eps}).RunOnce(ctx)
			return err
		}})
	}
	if keep := cfg.Retention(); keep > 0 {
		runner.Jobs = append(runner.Jobs, jobs.Job{Name: "check-log-retention", Interval: checklog.RetentionInterval,
			Run: func(ctx context.Context) error {
				n, err := checklog.Prune(ctx, d.Store, d.Clock.Now().Add(-keep))
				if n > 0 {
					d.Log.Info("check log: old records deleted", "records", n, "retention", cfg.CheckLogRetention)
				}
				return err
			}})
	}
	jobsDone := make(chan struct{})
	go func() { runner.Run(jobsCtx); close(jobsDone) }()
	defer func() { stopJobs(); <-jobsDone }()

	mux := http.NewServeMux()
	api.New(api.Deps{Check: svc, Log: d.Log, Metrics: m, Limiter: lim,
		BreakGlass: &breakglass.Service{Store: d.Store, Clock: d.Clock, Notify: notes.channels}, Approvals: approvals}).Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	ready := readiness{store: d.Store, log: logw, now: time.Now}
	if d.DataDir != "" {
		ready.disk = &disk.Monitor{Dir: d.DataDir, WarnBelow: cfg.Disk.WarnFreePercent / 100,
			FailBelow: cfg.Disk.MinFreePercent / 100, Log: d.Log, Clock: d.Clock}
		m.WatchDisk(ready.disk.Read)
		go ready.disk.Watch(jobsCtx, time.Minute)
	}
	mux.Handle("GET /readyz", httpx.Wrap(d.Log, func(w http.ResponseWriter, r *http.Request) error {
		if err := ready.problem(r.Context()); err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "store": "ok", "check_log": cfg.CheckLog,
			"node": runner.Holder, "jobs": runner.Held(), "cache": checkReads.Stats()})
		return nil
	}))
	// /metrics on its own address when one is set, and then only there.
	metricsSrv, err := metricsServer(cfg, d, m.Handler())
	if err != nil {
		logw.Close(context.Background())
		return err
	}
	if metricsSrv == nil {
		mux.Handle("GET /metrics", m.Handler())
	} else {
		defer metricsSrv.Close()
	}
	// The audit key is deployment-wide and public: anyone holding a
	// witness's copy of the checkpoints verifies them with it.
	mux.HandleFunc("GET /.well-known/deadbolt-audit-key", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, AuditKeyDocument(signer.PublicKey()))
	})
	provider.Register(mux)
	slackApp.register(mux)
	// API tokens' last use is written in batches; shutdown stops the
	// recorder after the last request and waits for its final flush.
	used := &apitoken.Recorder{Store: d.Store, Log: d.Log}
	usedCtx, stopUsed := context.WithCancel(context.Background())
	usedDone := make(chan struct{})
	go func() { used.Run(usedCtx, apiTokenFlush); close(usedDone) }()
	flushUsed := func() { stopUsed(); <-usedDone }
	defer flushUsed()
	adm := &admin.Service{Store: d.Store, Clock: d.Clock, Box: d.Box, Egress: egress.Policy{AllowPrivate: cfg.Webhooks.AllowPrivate},
		Notify: notes.channels}
	mapi := mgmtapi.New(mgmtapi.Deps{Store: d.Store, Clock: d.Clock, Log: d.Log, Used: used, Check: svc, Access: acc,
		Tokens:    &apitoken.Service{Store: d.Store, Clock: d.Clock},
		Admin:     adm,
		Approvals: approvals,
		Limiter:   ratelimit.New(mgmtapi.RequestsPerSecond, mgmtapi.Burst, 0),
	})
	mapi.Register(mux)
	(&policyapi.Handler{Auth: mapi, Admin: adm, Log: d.Log}).Register(mux)
	imports.Auth = mapi
	imports.Register(mux)
	(&scim.Handler{Auth: mapi, Admin: adm, Access: acc, Store: d.Store, Clock: d.Clock, Log: d.Log,
		PublicURL: cfg.EffectivePublicURL()}).Register(mux)
	mux.Handle("POST /nl3/api/v1/sdk/enableUser", &portal.EnableAPI{Store: d.Store, Clock: d.Clock, Check: svc, Log: d.Log})
	apiNotFound := httpx.Wrap(d.Log, func(w http.ResponseWriter, r *http.Request) error {
		return httpx.Errorf(http.StatusNotFound, "not_found", "no such endpoint: %s %s", r.Method, r.URL.Path)
	})
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Machine paths answer JSON; everything else is the portal's.
		for _, prefix := range []string{"/nl3/", "/v1/", "/api/", "/scim/"} {
			if strings.HasPrefix(r.URL.Path, prefix) {
				apiNotFound.ServeHTTP(w, r)
				return
			}
		}
		web.ServeHTTP(w, r)
	}))

	tlsCfg := d.TLS
	if tlsCfg == nil && cfg.TLS.CertFile != "" {
		if tlsCfg, err = LoadTLS(cfg.TLS); err != nil {
			logw.Close(context.Background())
			return err
		}
	}
	ln := d.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			logw.Close(context.Background())
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           addrs.Handler(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(d.Log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(web.Close) // end the portal's event streams
	served := make(chan error, 1)
	if tlsCfg != nil {
		srv.TLSConfig = tlsCfg
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	d.Log.Info("deadbolt serving", "addr", ln.Addr().String(), "public_url", cfg.EffectivePublicURL(), "check_log", cfg.CheckLog)
	if listening != nil {
		listening(ln.Addr().String())
	}

	select {
	case err := <-served:
		logw.Close(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	d.Log.Info("shutting down: draining in-flight checks", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	// Every request has ended (or the timeout passed): the uses they
	// recorded are written now, within apitoken.FinalFlush.
	flushUsed()
	if err := logw.Close(sctx); err != nil {
		shutdownErr = errors.Join(shutdownErr, fmt.Errorf("flush check log: %w", err))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	d.Log.Info("shut down cleanly")
	return nil
}
