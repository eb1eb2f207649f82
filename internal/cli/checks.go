package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// checkPage is how many check records one read of the check log fetches.
const checkPage = 5000

func (a *app) checksCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "Export the check log (one record per lock check)",
		Long: `The check log holds one record per lock check: when, which account of which
application, the answer (locked or not, and why), and where the check came
from. It is kept for --check-log-retention (400 days by default); the audit
trail, which records changes, is separate and kept for good.`,
	}
	cmd.AddCommand(a.checksExportCmd())
	return cmd
}

// checkFilter selects the check records of an export.
type checkFilter struct {
	account, decision string
}

// match reports whether c is selected: its account, and its decision,
// which is "locked", "unlocked" or one status (denied_by_policy, …).
func (f checkFilter) match(c store.CheckRecord) bool {
	if f.account != "" && c.Account != f.account {
		return false
	}
	switch f.decision {
	case "":
		return true
	case "locked":
		return c.Locked
	case "unlocked":
		return !c.Locked
	}
	return c.Status == f.decision
}

// checkWriter writes check records as JSONL or CSV.
type checkWriter struct {
	w   *bufio.Writer
	csv *csv.Writer
}

func newCheckWriter(w io.Writer, format string) (*checkWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "jsonl":
		return &checkWriter{w: bw}, nil
	case "csv":
		cw := csv.NewWriter(bw)
		return &checkWriter{w: bw, csv: cw}, cw.Write(checklog.Columns)
	}
	return nil, usageErr("--format %q: want jsonl or csv", format)
}

func (x *checkWriter) write(c store.CheckRecord, issuer string) error {
	if x.csv != nil {
		return x.csv.Write(csvsafe.Row(checklog.Fields(c, issuer)))
	}
	b, err := checklog.JSON(c, issuer)
	if err != nil {
		return err
	}
	x.w.Write(b)
	return x.w.WriteByte('\n')
}

func (x *checkWriter) flush() error {
	if x.csv != nil {
		x.csv.Flush()
		if err := x.csv.Error(); err != nil {
			return err
		}
	}
	return x.w.Flush()
}

func (a *app) checksExportCmd() *cobra.Command {
	var tenant, appRef, format, output, since, until string
	var f checkFilter
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write check-log records as JSONL or CSV, streaming",
		Long: `Write check-log records as JSONL (one JSON object a line) or CSV, application
by application, oldest first within each. It reads the check log a page at
a time (on SQLite its own file, deadbolt.db.checks), so memory stays the same
however many records there are; on a terminal it shows a running count.

--since and --until take an RFC 3339 time, a date (2026-11-01), or an age
such as 30d or 12h. --decision is locked, unlocked, or one status
(locked, unlocked, not_enrolled, lockdown, denied_by_policy,
unlocked_by_schedule, …).`,
		Example: `  deadbolt checks export --tenant acme --since 30d > checks.jsonl
  deadbolt checks export --app https://wiki.acme.test --account alice --decision locked --format csv --output alice.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			now := time.Now().UTC()
			from, err := parseWhen(since, now)
			if err != nil {
				return usageErr("--since: %v", err)
			}
			to, err := parseWhen(until, now)
			if err != nil {
				return usageErr("--until: %v", err)
			}
			if to.IsZero() {
				to = time.Unix(0, 1<<63-1).UTC()
			}
			out, closeOut, err := a.output("--output", output)
			if err != nil {
				return err
			}
			defer closeOut()
			w, err := newCheckWriter(out, format)
			if err != nil {
				return err
			}
			apps, err := a.checkApps(ctx, tenant, appRef)
			if err != nil {
				return err
			}
			s, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			bar := a.counter("exporting")
			var read, written int64
			for _, app := range apps {
				var pos store.CheckPosition
				for {
					recs, next, err := s.ChecksBetween(ctx, app.ID, from, to, pos, checkPage)
					if err != nil {
						finish(bar)
						return err
					}
					for _, c := range recs {
						read++
						if !f.match(c) {
							continue
						}
						written++
						if err := w.write(c, app.Issuer); err != nil {
							finish(bar)
							return err
						}
					}
					if bar != nil {
						bar.Set64(read)
					}
					if len(recs) < checkPage {
						break
					}
					pos = next
				}
			}
			finish(bar)
			if err := w.flush(); err != nil {
				return err
			}
			return a.exported(output, "check", written, read)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&tenant, "tenant", "", "export only this tenant's applications (default: every tenant)")
	fl.StringVar(&appRef, "app", "", "export only this application (id or issuer)")
	fl.StringVar(&f.account, "account", "", "only this account name")
	fl.StringVar(&f.decision, "decision", "", "only locked, unlocked, or one status such as denied_by_policy")
	fl.StringVar(&format, "format", "jsonl", "jsonl or csv")
	fl.StringVar(&output, "output", "", "write to this new file instead of stdout")
	fl.StringVar(&since, "since", "", "only records at or after this time (RFC 3339, a date, or an age like 30d)")
	fl.StringVar(&until, "until", "", "only records before this time")
	return cmd
}

// checkApps returns the applications an export reads: the one --app names
// (in --tenant, when given), else every application of --tenant or of
// every tenant.
func (a *app) checkApps(ctx context.Context, tenantRef, appRef string) ([]store.Application, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	tenants, err := a.auditTenants(ctx, s, tenantRef)
	if err != nil {
		return nil, err
	}
	if appRef != "" {
		app, err := a.findApp(ctx, appRef)
		if err != nil {
			return nil, err
		}
		for _, t := range tenants {
			if t.ID == app.TenantID {
				return []store.Application{app}, nil
			}
		}
		return nil, usageErr("application %s is not in tenant %s", appRef, tenantRef)
	}
	var apps []store.Application
	for _, t := range tenants {
		as, err := s.Applications(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		apps = append(apps, as...)
	}
	return apps, nil
}
