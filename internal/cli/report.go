package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/exposure"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Compliance reports built from the audit and check logs",
	}
	cmd.AddCommand(a.reportExposureCmd())
	return cmd
}

func (a *app) reportExposureCmd() *cobra.Command {
	var since, until, appRef, format, out, geoPath, zone string
	cmd := &cobra.Command{
		Use:   "exposure",
		Short: "How long each account was open, by what, who approved, and the sign-ins refused",
		Long: `Report, for each account of a tenant over a period, how long it was open and
by what: a grant (an unlock for a time or once), an approval (a request its
approvers or its owner approved; the approvers are named), a break-glass
unlock, or a schedule (unlock policies). It counts the sign-ins that were
blocked, by address (and country with --geoip-db), by weekday and hour and
by day, and lists the unlocks nobody signed in with. Time in which a hard
lock (an application's or member's lockdown, a member's "lock everything",
a lock policy) closed an account is taken off; lockdowns and the policies
in force at each time are rebuilt from the audit log, and what could not be
is listed as caveats in every format.

--since and --until take an RFC 3339 time, a date (2026-11-01), or an age
such as 30d or 12h; --until defaults to now. The period is [since, until).

Formats: html (one self-contained page with charts, to open or print),
csv (one row per account, lengths in seconds) and json (every figure).
--out writes a new file; without it the report goes to stdout.

It reads the database: run it where 'deadbolt serve' would, with the same
--db or configuration. See docs/audit.md, "Reading the exposure report".`,
		Example: `  deadbolt report exposure --tenant acme --since 30d --out exposure.html
  deadbolt report exposure --tenant acme --since 2026-11-01 --until 2026-12-01 --format csv --out november.csv
  deadbolt report exposure --tenant acme --since 7d --app https://wiki.acme.example --format json --geoip-db GeoLite2-Country.mmdb`,
		Args: cobra.NoArgs,
	}
	a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		ctx := cmd.Context()
		now := time.Now().UTC()
		o := exposure.Options{TenantID: t.ID}
		var err error
		if o.Since, err = parseWhen(since, now); err != nil {
			return usageErr("--since: %v", err)
		}
		if o.Until, err = parseWhen(until, now); err != nil {
			return usageErr("--until: %v", err)
		}
		if o.Until.IsZero() {
			o.Until = now
		}
		if !o.Until.After(o.Since) {
			return usageErr("--until (%s) must be after --since (%s)", o.Until.Format(time.RFC3339), o.Since.Format(time.RFC3339))
		}
		if a.jsonOut && format == "" {
			format = exposure.JSON
		}
		if format == "" {
			format = exposure.HTML
		}
		if format != exposure.HTML && format != exposure.CSV && format != exposure.JSON {
			return usageErr("--format %q: want html, csv or json", format)
		}
		if o.Zone, err = time.LoadLocation(zone); err != nil || strings.EqualFold(zone, "local") {
			return usageErr("--zone %q: name an IANA time zone such as Europe/Lisbon, or UTC", zone)
		}
		if appRef != "" {
			app, err := adm.App(ctx, appRef)
			if err != nil || app.TenantID != t.ID {
				return usageErr("--app %q: no such application in tenant %s", appRef, t.Name)
			}
			o.AppID = app.ID
		}
		if geoPath == "" {
			geoPath = a.cfg.GeoIPDB
		}
		if geoPath != "" {
			g, err := policy.OpenGeoIP(geoPath)
			if err != nil {
				return usageErr("--geoip-db: %v", err)
			}
			defer g.Close()
			o.Geo = g
		}
		s, err := a.openStore(ctx)
		if err != nil {
			return err
		}
		rep, err := exposure.Build(ctx, s, o)
		if errors.Is(err, exposure.ErrPeriod) {
			return usageErr("%v", err)
		}
		if err != nil {
			return err
		}
		w, closeOut, err := a.output("--out", out)
		if err != nil {
			return err
		}
		defer closeOut()
		if err := exposure.Write(w, rep, format); err != nil {
			return err
		}
		if out != "" {
			fmt.Fprintf(a.stderr, "wrote the exposure report of %s (%d accounts, %s open, %d sign-ins blocked) to %s\n",
				t.Name, len(rep.Accounts), exposure.Human(time.Duration(rep.Totals.Open)), rep.Totals.Blocked, filepath.Clean(out))
		}
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&since, "since", "30d", "start of the period: RFC 3339, a date, or an age such as 30d")
	f.StringVar(&until, "until", "", "end of the period (default now)")
	f.StringVar(&appRef, "app", "", "only this application (id or issuer)")
	f.StringVar(&format, "format", "", "html (default), csv or json")
	f.StringVar(&out, "out", "", "write to this new file instead of stdout")
	f.StringVar(&geoPath, "geoip-db", "", "MaxMind-format GeoIP database to name the countries of blocked sign-ins (default: the configuration's geoip_db)")
	f.StringVar(&zone, "zone", "UTC", "IANA time zone in which days and hours are counted")
	return cmd
}
