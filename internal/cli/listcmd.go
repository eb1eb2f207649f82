package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// appListCmd is a "list" command of one application's records, the
// application named by its required --app flag: run lists them.
func (a *app) appListCmd(short string, run func(ctx context.Context, app store.Application) error) *cobra.Command {
	var ref string
	list := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			app, err := a.findApp(ctx, ref)
			if err != nil {
				return err
			}
			return run(ctx, app)
		},
	}
	list.Flags().StringVar(&ref, "app", "", "application id or issuer (required)")
	must(list, "app")
	return list
}

// tenantListCmd is a "list" command of one tenant's records, the tenant
// named by its required --tenant flag: run lists them, given the admin
// service and the tenant.
func (a *app) tenantListCmd(short string, run func(ctx context.Context, svc *admin.Service, t store.Tenant) error) *cobra.Command {
	var tenant string
	list := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, t, err := a.adminOfTenant(ctx, tenant, false)
			if err != nil {
				return err
			}
			return run(ctx, svc, t)
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	must(list, "tenant")
	return list
}
