package cli

import (
	"time"

	"github.com/spf13/cobra"
)

func (a *app) tenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants (companies)"}
	cmd.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Short:   "Create a tenant",
		Example: "  deadbolt tenant create acme",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.mayCreate = true // the first command of a new install
			svc, err := a.admin(cmd.Context(), false)
			if err != nil {
				return err
			}
			t, err := svc.CreateTenant(cmd.Context(), actor(), args[0])
			if err != nil {
				return err
			}
			return a.print(map[string]any{"id": t.ID, "name": t.Name, "created_at": t.CreatedAt.Format(time.RFC3339)},
				"tenant %s created (id %s)\n", t.Name, t.ID)
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := s.Tenants(cmd.Context())
			if err != nil {
				return err
			}
			out := []map[string]any{}
			text := ""
			for _, t := range ts {
				out = append(out, map[string]any{"id": t.ID, "name": t.Name})
				text += t.Name + "\t" + t.ID + "\n"
			}
			return a.print(map[string]any{"tenants": out}, "%s", text)
		},
	})
	return cmd
}
