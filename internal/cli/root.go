package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitUsage    = 1 // usage error, not found, invalid input; `check`: locked
	ExitInternal = 2 // internal error; `check`: could not decide
)

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// app is the state shared by the commands of one invocation.
type app struct {
	stdin          io.Reader // for confirmations: asked only on a terminal
	stdout, stderr io.Writer
	getenv         func(string) string

	configPath string
	db         string
	jsonOut    bool

	cfg   config.Config
	store backend.DB
	// mayCreate lets openStore create a database that does not exist yet:
	// only serve, migrate and tenant create (and restore, which fills it)
	// set it. Every other command refuses a missing database.
	mayCreate bool
}

// Main runs the CLI with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	groupsRefuseUnknown(root)
	cmd, err := root.ExecuteContextC(ctx)
	if a.store != nil {
		a.store.Close()
	}
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if code == ExitUsage && cmd != nil && cmd.Annotations[usageExitAnnotation] == "2" && !errors.Is(err, errLocked) {
		// `check` keeps 1 for "locked": its usage errors are "could not decide".
		code = ExitInternal
	}
	// People read the store's plain words, never the database's own
	// (store.Message); DEADBOLT_LOG_LEVEL=debug prints those too.
	msg := store.Message(err)
	if a.jsonOut {
		json.NewEncoder(stdout).Encode(map[string]string{"error": errorKind(err), "message": msg})
	}
	fmt.Fprintln(stderr, "deadbolt:", msg)
	var se *store.Error
	if errors.As(err, &se) && se.Cause != nil {
		if a.cfg.Log.Level == "debug" {
			fmt.Fprintln(stderr, "deadbolt: the database said:", err)
		} else if code == ExitInternal {
			fmt.Fprintln(stderr, "deadbolt: set DEADBOLT_LOG_LEVEL=debug to see the database's own error")
		}
	}
	return code
}

func exitCode(err error) int {
	var e *exitError
	switch {
	case errors.As(err, &e):
		return e.code
	case errors.Is(err, backend.ErrNoDatabase):
		return ExitUsage
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrConflict),
		errors.Is(err, access.ErrTooLong), isCobraUsage(err), refusal(err) != "":
		return ExitUsage
	default:
		return ExitInternal
	}
}

// refusal is the code of a domain rule that refused the command (the
// codes httpx gives the same errors), or "".
func refusal(err error) string {
	switch {
	case errors.Is(err, access.ErrApprovalRequired), errors.Is(err, approval.ErrNotApprover),
		errors.Is(err, approval.ErrSelfApproval), errors.Is(err, approval.ErrSignatureRequired),
		errors.Is(err, approval.ErrNoApproval), errors.Is(err, access.ErrRequestClosed), errors.Is(err, admin.ErrForbidden):
		return httpx.ErrorOf(err).Code
	}
	return ""
}

func errorKind(err error) string {
	switch {
	case errors.Is(err, audit.ErrChainBroken):
		return "chain_broken"
	case errors.Is(err, errEvidenceInvalid):
		return "evidence_invalid"
	case errors.Is(err, store.ErrNotFound), errors.Is(err, backend.ErrNoDatabase):
		return "not_found"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, store.ErrInvalid), errors.Is(err, access.ErrTooLong):
		return "invalid"
	case refusal(err) != "":
		return refusal(err)
	case exitCode(err) == ExitUsage:
		return "usage"
	default:
		return "internal"
	}
}

// usageExitAnnotation on a command makes its usage errors exit 2 instead of
// 1 (`check`, whose 1 means "locked").
const usageExitAnnotation = "deadbolt.usage-exit"

// groupsRefuseUnknown makes every command that only groups subcommands
// refuse an unknown subcommand (cobra would print the group's help and exit
// 0): `deadbolt account unlok` is a usage error naming the command.
func groupsRefuseUnknown(c *cobra.Command) {
	for _, sub := range c.Commands() {
		groupsRefuseUnknown(sub)
	}
	if c.Runnable() || !c.HasSubCommands() || c.Parent() == nil {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.SuggestionsMinimumDistance = 2
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageErr("%s (see %s --help)", msg, cmd.CommandPath())
	}
}

// isCobraUsage recognises cobra's own argument and flag errors, which it
// returns as plain errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "required flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "deadbolt",
		Short: "Account protection and just-in-time access: accounts stay locked until their owner opens them",
		Long: `deadbolt keeps accounts at other applications locked. An account opens only
when its owner means to use it — for a chosen time, for the next sign-in only,
or by approving the request a sign-in attempt raises — and locks again by
itself. Identity providers ask deadbolt at every login whether the account is
locked, through a signed lock-check API compatible with Next Level3's.

Admin commands work on the database directly (--db), so they work whether or
not a server is running.`,
		Example: `  # start the service on the embedded database
  deadbolt serve

  # protect an application's accounts
  deadbolt tenant create acme
  deadbolt app create --tenant acme --name Wiki --issuer https://wiki.acme.test
  deadbolt key create --app https://wiki.acme.test
  deadbolt account enroll --app https://wiki.acme.test --account alice --owner alice@acme.test

  # ask, as an application would
  deadbolt check --url http://127.0.0.1:8420 --issuer https://wiki.acme.test --key "$KEY" --account alice`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.loadConfig(cmd)
		},
	}
	root.PersistentFlags().StringVar(&a.db, "db", "", "database: sqlite:PATH or postgres://… (env DEADBOLT_DB; default "+config.DefaultDB+")")
	root.PersistentFlags().BoolVar(&a.jsonOut, "json", false, "print one JSON object on stdout instead of text")
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "YAML configuration file (env DEADBOLT_CONFIG)")
	root.AddCommand(a.serveCmd(), a.migrateCmd(), a.tenantCmd(), a.appCmd(), a.keyCmd(), a.accountCmd(),
		a.checkCmd(), a.tokenCmd(), a.importCmd(), a.webhookCmd(), a.deliveryCmd(), a.memberCmd(), a.groupCmd(), a.policyCmd(),
		a.backupCmd(), a.restoreCmd(), a.copyCmd(), a.auditCmd(), a.approvalCmd(), a.oidcCmd(), a.apiTokenCmd(), a.breakglassCmd(),
		a.requestCmd(), a.grantCmd(), a.templateCmd(), a.reportCmd(), a.checksCmd())
	return root
}

func (a *app) loadConfig(cmd *cobra.Command) error {
	path := a.configPath
	if path == "" {
		path = a.getenv("DEADBOLT_CONFIG")
	}
	cfg, err := config.Load(path, a.getenv)
	if err != nil {
		return usageErr("%v", err)
	}
	if a.db != "" {
		cfg.DB = a.db
	}
	a.cfg = cfg
	return nil
}

// openStore opens the configured database, migrating it if allowed.
func (a *app) openStore(ctx context.Context) (backend.DB, error) {
	if a.store != nil {
		return a.store, nil
	}
	if err := a.cfg.Validate(); err != nil {
		return nil, usageErr("%v", err)
	}
	s, err := backend.Open(ctx, a.cfg.DB, a.openOptions(backend.Options{AutoMigrate: a.cfg.AutoMigrate == nil || *a.cfg.AutoMigrate}))
	if errors.Is(err, backend.ErrNoDatabase) {
		return nil, noDatabase(err)
	}
	if err != nil {
		return nil, err
	}
	a.store = s
	return s, nil
}

// openOptions completes o with what the command may do to a database that
// does not exist: create it and say where, or refuse.
func (a *app) openOptions(o backend.Options) backend.Options {
	o.MustExist = !a.mayCreate
	if a.mayCreate {
		o.Created = a.announceCreated
	}
	return o
}

// announceCreated tells the operator where a new database was made, on
// stderr so that --json output stays one object.
func (a *app) announceCreated(where string) {
	fmt.Fprintf(a.stderr, "deadbolt: created a new database at %s\n", where)
}

// noDatabase explains ErrNoDatabase: where deadbolt looked and how to make
// one.
func noDatabase(err error) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf("%w; give the right --db (or DEADBOLT_DB), "+
		"or create one with deadbolt tenant create, deadbolt migrate or deadbolt serve", err)}
}

// box loads the master key (creating it on a fresh SQLite install) and
// checks it against the fingerprint the database keeps, pinning it on the
// first start: a process given another key is refused before it seals a
// secret nobody else can open.
func (a *app) box(ctx context.Context, log *slog.Logger) (*seal.Box, error) {
	return a.openBox(ctx, log, backend.SQLitePath(a.cfg.DB) != "")
}

// existingBox is box for commands that only read, such as audit verify:
// on SQLite it never creates a master key that is not there yet.
func (a *app) existingBox(ctx context.Context) (*seal.Box, error) {
	return a.openBox(ctx, nil, false)
}

// openBox loads the master key, creating it in the data directory if
// create is set and it does not exist, and pins its fingerprint.
func (a *app) openBox(ctx context.Context, log *slog.Logger, create bool) (*seal.Box, error) {
	if backend.IsShared(a.cfg.DB) && a.cfg.MasterKey == "" && a.cfg.MasterKeyFile == "" {
		return nil, usageErr("a PostgreSQL database is shared by every node and by the CLI, so all of them need the same " +
			"master key: set DEADBOLT_MASTER_KEY (32 bytes, base64) or DEADBOLT_MASTER_KEY_FILE; see docs/deploy.md")
	}
	key, created, err := seal.Load(seal.Source{
		Base64: a.cfg.MasterKey, File: a.cfg.MasterKeyFile,
		DataDir: backend.DataDir(a.cfg.DB), Create: create,
	})
	if err != nil {
		return nil, err
	}
	if created && log != nil {
		log.Warn("created a new master key; back it up: without it signing secrets cannot be read",
			"path", backend.DataDir(a.cfg.DB)+"/master.key")
	}
	box, err := seal.New(key)
	if err != nil {
		return nil, err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.PinMasterKey(ctx, box.Fingerprint()); errors.Is(err, store.ErrMasterKey) {
		return nil, usageErr("the master key from %s is not the one this database's secrets are sealed under; "+
			"start with the original master key (see docs/deploy.md, \"The master key\")", a.masterKeySource())
	} else if err != nil {
		return nil, err
	}
	return box, nil
}

// masterKeySource names where the master key was read from.
func (a *app) masterKeySource() string {
	switch {
	case a.cfg.MasterKey != "":
		return "DEADBOLT_MASTER_KEY"
	case a.cfg.MasterKeyFile != "":
		return "the file " + a.cfg.MasterKeyFile + " (DEADBOLT_MASTER_KEY_FILE / master_key_file)"
	default:
		return "the file " + filepath.Join(backend.DataDir(a.cfg.DB), "master.key")
	}
}

func (a *app) admin(ctx context.Context, withBox bool) (*admin.Service, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	svc := &admin.Service{Store: s, Clock: clock.Real{}, Egress: egress.Policy{AllowPrivate: a.cfg.Webhooks.AllowPrivate},
		Notify: a.memberChannels()}
	if withBox {
		if svc.Box, err = a.box(ctx, nil); err != nil {
			return nil, err
		}
	}
	return svc, nil
}

// adminOfTenant returns the admin service (withBox: able to seal secrets)
// and the tenant ref names (a name or an id).
func (a *app) adminOfTenant(ctx context.Context, ref string, withBox bool) (*admin.Service, store.Tenant, error) {
	svc, err := a.admin(ctx, withBox)
	if err != nil {
		return nil, store.Tenant{}, err
	}
	t, err := svc.Tenant(ctx, ref)
	return svc, t, err
}

// memberChannels are the member channels a server with this configuration
// delivers: email when SMTP is set up, and Web Push.
func (a *app) memberChannels() []string {
	if a.cfg.SMTP.Addr != "" {
		return []string{store.ChannelEmail, store.ChannelPush}
	}
	return []string{store.ChannelPush}
}

func (a *app) access(ctx context.Context) (*access.Service, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	return &access.Service{Store: s, Clock: clock.Real{}}, nil
}

// actor names who runs the CLI in audit records.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// print writes v as JSON with --json, otherwise the text lines.
func (a *app) print(v any, text string, args ...any) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	_, err := fmt.Fprintf(a.stdout, text, args...)
	return err
}

// output is where a command writes what it exports: stdout when path is
// empty, else the new file at path (it must not exist yet; flag names the
// option in that error). close closes the file, if there is one.
func (a *app) output(flag, path string) (w io.Writer, close func(), err error) {
	if path == "" {
		return a.stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, usageErr("%s: %v (it must not exist yet)", flag, err)
	}
	return f, func() { f.Close() }, nil
}

// exported ends an export of records of kind: with --output it says how
// many of those read were written to the file.
func (a *app) exported(output, kind string, written, read int64) error {
	if output == "" {
		return nil
	}
	return a.print(map[string]any{"file": output, "records": written, "read": read},
		"wrote %d of %d %s records to %s\n", written, read, kind, output)
}

// accessToApp returns the access service and the application ref names
// (an id or an issuer).
func (a *app) accessToApp(ctx context.Context, ref string) (*access.Service, store.Application, error) {
	app, err := a.findApp(ctx, ref)
	if err != nil {
		return nil, store.Application{}, err
	}
	svc, err := a.access(ctx)
	return svc, app, err
}

// printList prints items: as {"key": [asJSON of each]} with --json, else
// one line of text each.
func printList[T any](a *app, key string, items []T, asJSON func(T) map[string]any, line func(T) string) error {
	out, text := []map[string]any{}, ""
	for _, it := range items {
		out = append(out, asJSON(it))
		text += line(it)
	}
	return a.print(map[string]any{key: out}, "%s", text)
}

func (a *app) findApp(ctx context.Context, ref string) (store.Application, error) {
	if ref == "" {
		return store.Application{}, usageErr("--app is required (an application id or issuer)")
	}
	svc, err := a.admin(ctx, false)
	if err != nil {
		return store.Application{}, err
	}
	return svc.App(ctx, ref)
}

func must(cmd *cobra.Command, flags ...string) {
	for _, f := range flags {
		cmd.MarkFlagRequired(f)
	}
}
