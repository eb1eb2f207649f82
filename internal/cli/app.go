package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func appJSON(a store.Application) map[string]any {
	return map[string]any{
		"id": a.ID, "tenant_id": a.TenantID, "name": a.Name, "issuer": a.Issuer, "unenrolled": a.Unenrolled,
		"fail_mode": a.FailMode, "enabled": a.Enabled, "locked_down": a.LockedDown,
		"default_unlock": a.DefaultUnlock.String(), "max_unlock": a.MaxUnlock.String(),
		"origins": append([]string{}, a.Origins...), "server_names_accounts": a.ServerNamesAccounts, "created_at": a.CreatedAt.Format(time.RFC3339),
	}
}

func (a *app) appCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "app", Short: "Manage protected applications"}

	var tenant, name, issuer, unenrolled, failMode string
	var defUnlock, maxUnlock time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Register an application whose logins deadbolt answers for",
		Long: `Register an application. Its issuer is the "iss" of the lock-check tokens it
signs — usually the application's URI — and must be unique.

--unenrolled says what a check answers for an account nobody enrolled:
allow (the default; protection is opt-in) or deny (every account must be
enrolled). --fail-mode is the advice given to the application's
integrations for when deadbolt cannot be reached.`,
		Example: `  deadbolt app create --tenant acme --name Wiki --issuer https://wiki.acme.test
  deadbolt app create --tenant acme --name VPN --issuer vpn.acme.test --unenrolled deny --max-unlock 8h --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, t, err := a.adminOfTenant(ctx, tenant, false)
			if err != nil {
				return err
			}
			app, err := svc.CreateApp(ctx, actor(), admin.NewApp{TenantID: t.ID, Name: name, Issuer: issuer,
				Unenrolled: unenrolled, FailMode: failMode, DefaultUnlock: defUnlock, MaxUnlock: maxUnlock})
			if err != nil {
				return err
			}
			return a.print(appJSON(app), "application %s created\n  id:     %s\n  issuer: %s\nnext: deadbolt key create --app %s\n",
				app.Name, app.ID, app.Issuer, app.Issuer)
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	create.Flags().StringVar(&name, "name", "", "display name (required)")
	create.Flags().StringVar(&issuer, "issuer", "", "the iss of the application's tokens, e.g. its URI (required)")
	create.Flags().StringVar(&unenrolled, "unenrolled", store.UnenrolledAllow, "answer for accounts nobody enrolled: allow or deny")
	create.Flags().StringVar(&failMode, "fail-mode", store.FailClosed, "advice to integrations when deadbolt is unreachable: open or closed")
	durationFlag(create.Flags(), &defUnlock, "default-unlock", admin.DefaultUnlock, "length of an unlock when none is asked for")
	durationFlag(create.Flags(), &maxUnlock, "max-unlock", admin.MaxUnlock, "longest unlock allowed")
	must(create, "tenant", "name", "issuer")

	list := a.tenantListCmd("List a tenant's applications", func(ctx context.Context, svc *admin.Service, t store.Tenant) error {
		apps, err := svc.Store.Applications(ctx, t.ID)
		if err != nil {
			return err
		}
		return printList(a, "applications", apps, appJSON, func(app store.Application) string {
			return fmt.Sprintf("%s\t%s\t%s\tenabled=%v\n", app.ID, app.Issuer, app.Name, app.Enabled)
		})
	})

	var setApp, setUnenrolled, setFailMode string
	var setEnabled, setLockdown, setNamesAccounts bool
	var setDef, setMax time.Duration
	var setOrigins []string
	set := &cobra.Command{
		Use:   "set",
		Short: "Change an application's settings",
		Long: `Change an application's settings. Only the flags given change.
--enabled=false makes every check of the application answer 403.
--lockdown hard-locks every account of the application: no grant opens them
until --lockdown=false.
--origin (repeatable) replaces the web origins the application is served
from; the portal returns people only to these after enablement.
--origin "" clears them.
--server-names-accounts lets the application's server name any of its
accounts in a lock check on the SDK path (body userAccountId or
nl3UserToken) instead of the token's sub. Off by default: then a token
acts only on the account its sub names, and a body naming another account
is refused (403 account_not_permitted). Turn it on only for an
application whose lock-check tokens are minted by its server and never
reach a browser.`,
		Example: `  deadbolt app set --app https://wiki.acme.test --lockdown
  deadbolt app set --app https://wiki.acme.test --unenrolled deny --max-unlock 2h
  deadbolt app set --app https://wiki.acme.test --origin https://wiki.acme.test --origin https://m.wiki.acme.test
  deadbolt app set --app https://gateway.acme.test --server-names-accounts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			app, err := a.findApp(ctx, setApp)
			if err != nil {
				return err
			}
			svc, _ := a.admin(ctx, false)
			f := cmd.Flags()
			origins, err := admin.NormalizeOrigins(setOrigins)
			if err != nil {
				return err
			}
			app, err = svc.UpdateApp(ctx, actor(), app.ID, func(x *store.Application) {
				setIfChanged(f, "unenrolled", &x.Unenrolled, setUnenrolled)
				setIfChanged(f, "fail-mode", &x.FailMode, setFailMode)
				setIfChanged(f, "enabled", &x.Enabled, setEnabled)
				setIfChanged(f, "lockdown", &x.LockedDown, setLockdown)
				setIfChanged(f, "default-unlock", &x.DefaultUnlock, setDef)
				setIfChanged(f, "max-unlock", &x.MaxUnlock, setMax)
				setIfChanged(f, "origin", &x.Origins, origins)
				setIfChanged(f, "server-names-accounts", &x.ServerNamesAccounts, setNamesAccounts)
			})
			if err != nil {
				return err
			}
			return a.print(appJSON(app), "application %s updated: enabled=%v lockdown=%v unenrolled=%s unlock default %s, max %s, server names accounts=%v\n",
				app.Issuer, app.Enabled, app.LockedDown, app.Unenrolled, app.DefaultUnlock, app.MaxUnlock, app.ServerNamesAccounts)
		},
	}
	set.Flags().StringVar(&setApp, "app", "", "application id or issuer (required)")
	set.Flags().StringVar(&setUnenrolled, "unenrolled", "", "allow or deny")
	set.Flags().StringVar(&setFailMode, "fail-mode", "", "open or closed")
	set.Flags().BoolVar(&setEnabled, "enabled", true, "whether checks are answered")
	set.Flags().BoolVar(&setLockdown, "lockdown", true, "hard-lock every account")
	durationFlag(set.Flags(), &setDef, "default-unlock", 0, "length of an unlock when none is asked for")
	durationFlag(set.Flags(), &setMax, "max-unlock", 0, "longest unlock allowed")
	set.Flags().StringArrayVar(&setOrigins, "origin", nil, "web origin the application is served from, like https://app.example.com (repeatable; replaces the list)")
	set.Flags().BoolVar(&setNamesAccounts, "server-names-accounts", true, "let the application's server name accounts in the lock-check body (SDK path); default off")
	must(set, "app")

	cmd.AddCommand(create, list, set)
	return cmd
}
