package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// listCmd is a "list" command of the records of one thing named by its
// required flag (described by usage): find looks the thing up, run lists
// its records.
func listCmd[T any](short, flag, usage string, find func(ctx context.Context, ref string) (T, error), run func(ctx context.Context, v T) error) *cobra.Command {
	var ref string
	list := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := find(cmd.Context(), ref)
			if err != nil {
				return err
			}
			return run(cmd.Context(), v)
		},
	}
	list.Flags().StringVar(&ref, flag, "", usage)
	must(list, flag)
	return list
}

// appListCmd lists one application's records, named by --app.
func (a *app) appListCmd(short string, run func(ctx context.Context, app store.Application) error) *cobra.Command {
	return listCmd(short, "app", "application id or issuer (required)", a.findApp, run)
}

// tenantListCmd lists one tenant's records, named by --tenant; run gets
// the admin service as well.
func (a *app) tenantListCmd(short string, run func(ctx context.Context, svc *admin.Service, t store.Tenant) error) *cobra.Command {
	type tenantAdmin struct {
		svc *admin.Service
		t   store.Tenant
	}
	find := func(ctx context.Context, ref string) (tenantAdmin, error) {
		svc, t, err := a.adminOfTenant(ctx, ref, false)
		return tenantAdmin{svc, t}, err
	}
	return listCmd(short, "tenant", "tenant name or id (required)", find, func(ctx context.Context, v tenantAdmin) error {
		return run(ctx, v.svc, v.t)
	})
}
