package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) breakGlass(ctx context.Context) (*breakglass.Service, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	return &breakglass.Service{Store: s, Clock: clock.Real{}, Notify: a.memberChannels()}, nil
}

func (a *app) breakglassCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "breakglass",
		Short: "Open accounts in an emergency, without approvals; offline codes for devices",
		Long: `Break-glass opens an account at once, without approvals, when it (or a group
its owner belongs to) is marked break-glass. A reason is required, the
unlock is capped (1h unless the mark says otherwise), the audit log marks it
(account.break_glass), and every owner and admin of the tenant is alerted at
once by email and Web Push, whatever channels they chose.

For devices that must admit an account when they cannot reach deadbolt
(PAM, legacy systems), 'issue' writes one-time offline codes into a file
for 'deadbolt check --break-glass-file'; deadbolt keeps only their hashes.
Each offline admission uses one code, and the device reports the codes it
used once the server answers again (see docs/breakglass.md).`,
	}
	var appRef, account, group string
	var max time.Duration
	mark := a.tenantCommand(&cobra.Command{
		Use:   "mark",
		Short: "Mark an account, or a group of members, break-glass",
		Example: `  deadbolt breakglass mark --tenant acme --app ssh.acme.test --account root --max 30m
  deadbolt breakglass mark --tenant acme --group oncall`,
		Args: cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		target := breakglass.Target{Account: account, Group: group}
		if (account == "") == (group == "") {
			return usageErr("give --account (with --app) or --group, not both")
		}
		if account != "" {
			app, err := adm.App(cmd.Context(), appRef)
			if err != nil {
				return err
			}
			if app.TenantID != t.ID {
				return fmt.Errorf("application %s: %w", appRef, store.ErrNotFound)
			}
			target.App = app
		}
		bg, err := a.breakGlass(cmd.Context())
		if err != nil {
			return err
		}
		m, err := bg.Mark(cmd.Context(), actor(), t.ID, target, max)
		if err != nil {
			return err
		}
		what := "account " + account
		if group != "" {
			what = "group " + group
		}
		return a.print(markJSON(m), "%s marked break-glass, at most %s (mark %s)\n", what, m.MaxUnlock, m.ID)
	})
	mark.Flags().StringVar(&appRef, "app", "", "application id or issuer (with --account)")
	mark.Flags().StringVar(&account, "account", "", "account name to mark")
	mark.Flags().StringVar(&group, "group", "", "group whose members' accounts to mark")
	durationFlag(mark.Flags(), &max, "max", breakglass.DefaultMax, "longest break-glass unlock")

	unmark := a.tenantCommand(&cobra.Command{
		Use:     "unmark MARK-ID",
		Short:   "Remove a break-glass mark",
		Example: `  deadbolt breakglass unmark --tenant acme 0192…`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, _ *admin.Service, t store.Tenant, args []string) error {
		bg, err := a.breakGlass(cmd.Context())
		if err != nil {
			return err
		}
		if err := bg.Unmark(cmd.Context(), actor(), t.ID, args[0]); err != nil {
			return err
		}
		return a.print(map[string]any{"id": args[0], "removed": true}, "mark %s removed\n", args[0])
	})

	var reason string
	var forD time.Duration
	unlock := &cobra.Command{
		Use:   "unlock",
		Short: "Open a break-glass account now, without approvals (operators count as admins)",
		Long: `Open an account marked break-glass at once. --reason is required; --for
defaults to the mark's cap and may not exceed it. Every owner and admin of
the tenant is alerted on every channel, and the audit log records
account.break_glass with the reason.`,
		Example: `  deadbolt breakglass unlock --app ssh.acme.test --account root --reason "INC-42: directory down"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			app, err := a.findApp(cmd.Context(), appRef)
			if err != nil {
				return err
			}
			bg, err := a.breakGlass(cmd.Context())
			if err != nil {
				return err
			}
			g, err := bg.Unlock(cmd.Context(), breakglass.By{Actor: actor(), Operator: true}, app, account, reason, forD)
			if err != nil {
				return err
			}
			return a.print(map[string]any{"account": account, "app_id": app.ID, "locked": false, "break_glass": true,
				"until": g.Until.Format(time.RFC3339Nano), "grant_id": g.ID},
				"account %s at %s opened by break-glass until %s; every admin is alerted\n", account, app.Issuer, g.Until.Format(time.RFC3339))
		},
	}
	unlock.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	unlock.Flags().StringVar(&account, "account", "", "account name (required)")
	unlock.Flags().StringVar(&reason, "reason", "", "why (required; recorded and sent to every admin)")
	durationFlag(unlock.Flags(), &forD, "for", 0, "how long (default and maximum: the mark's cap)")
	must(unlock, "app", "account", "reason")

	var count int
	var out string
	issue := &cobra.Command{
		Use:   "issue",
		Short: "Write one-time offline codes for a break-glass account into a file",
		Long: `Make one-time offline codes for one account (which must be marked
break-glass) and write them into a new file (mode 0600) for the device that
runs 'deadbolt check --break-glass-file'. deadbolt stores only the hash of
each code. The file holds the codes themselves: keep it where only the
checker reads it. Each offline admission uses one code; a used code never
admits again.`,
		Example: `  deadbolt breakglass issue --app ssh.acme.test --account root --count 5 --out /etc/deadbolt/root.breakglass`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := os.Stat(out); err == nil {
				return usageErr("%s exists already: choose another --out (a file of codes is never overwritten)", out)
			}
			adm, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			app, err := adm.App(ctx, appRef)
			if err != nil {
				return err
			}
			t, err := adm.Tenant(ctx, app.TenantID)
			if err != nil {
				return err
			}
			bg, err := a.breakGlass(ctx)
			if err != nil {
				return err
			}
			res, err := bg.Issue(ctx, actor(), t, app, account, count)
			if err != nil {
				return err
			}
			if err := breakglass.WriteFile(out, res.File); err != nil {
				return fmt.Errorf("codes issued (batch %s) but the file could not be written; issue new ones: %w", res.File.Batch, err)
			}
			return a.print(map[string]any{"file": out, "batch": res.File.Batch, "account": account, "application": app.Issuer, "codes": count},
				"%d one-time codes for %s at %s written to %s (batch %s)\n", count, account, app.Issuer, out, res.File.Batch)
		},
	}
	issue.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	issue.Flags().StringVar(&account, "account", "", "account name (required)")
	issue.Flags().IntVar(&count, "count", 10, fmt.Sprintf("how many codes (1 to %d)", breakglass.MaxCodes))
	issue.Flags().StringVar(&out, "out", "", "file to create (required)")
	must(issue, "app", "account", "out")

	list := a.tenantCommand(&cobra.Command{
		Use:     "list",
		Short:   "List break-glass marks and offline codes (used, reported)",
		Example: `  deadbolt breakglass list --tenant acme --json`,
		Args:    cobra.NoArgs,
	}, func(cmd *cobra.Command, _ *admin.Service, t store.Tenant, _ []string) error {
		s, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		marks, err := s.BreakGlassMarks(cmd.Context(), t.ID)
		if err != nil {
			return err
		}
		codes, err := s.BreakGlassCodes(cmd.Context(), t.ID)
		if err != nil {
			return err
		}
		ms, cs := []map[string]any{}, []map[string]any{}
		text := ""
		for _, m := range marks {
			ms = append(ms, markJSON(m))
			target := "account " + m.AccountID
			if m.GroupID != "" {
				target = "group " + m.GroupID
			}
			text += fmt.Sprintf("mark %s  %s  at most %s\n", m.ID, target, m.MaxUnlock)
		}
		for _, c := range codes {
			j := map[string]any{"id": c.ID, "account_id": c.AccountID, "app_id": c.AppID, "batch": c.Batch,
				"created_at": c.CreatedAt.Format(time.RFC3339), "used": !c.ReportedAt.IsZero()}
			state := "unused"
			if !c.ReportedAt.IsZero() {
				j["used_at"], j["reported_at"] = c.UsedAt.Format(time.RFC3339), c.ReportedAt.Format(time.RFC3339)
				state = "used " + c.UsedAt.Format(time.RFC3339) + ", reported " + c.ReportedAt.Format(time.RFC3339)
			}
			cs = append(cs, j)
			text += fmt.Sprintf("code %s  account %s  batch %s  %s\n", c.ID, c.AccountID, c.Batch, state)
		}
		return a.print(map[string]any{"marks": ms, "codes": cs}, "%s", text)
	})
	cmd.AddCommand(mark, unmark, unlock, issue, list)
	return cmd
}

func markJSON(m store.BreakGlassMark) map[string]any {
	return map[string]any{"id": m.ID, "account_id": m.AccountID, "group_id": m.GroupID, "max": m.MaxUnlock.String(),
		"created_by": m.CreatedBy, "created_at": m.CreatedAt.Format(time.RFC3339)}
}
