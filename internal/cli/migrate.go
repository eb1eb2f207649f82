package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

func (a *app) migrateCmd() *cobra.Command {
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date (or show its version)",
		Long: `Apply every pending schema migration, each in its own transaction. Migrations
are forward-only and embedded in the binary. A database migrated by a newer
deadbolt is refused and left untouched.`,
		Example: `  deadbolt migrate
  deadbolt migrate --status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.cfg.Validate(); err != nil {
				return usageErr("%v", err)
			}
			// migrate creates a database, but --status only looks.
			a.mayCreate = !status
			s, err := backend.Open(ctx, a.cfg.DB, a.openOptions(backend.Options{AutoMigrate: !status, SkipSchemaCheck: status}))
			if errors.Is(err, backend.ErrNoDatabase) {
				return noDatabase(err)
			}
			if err != nil {
				return err
			}
			a.store = s
			if !status {
				if err := s.Migrate(ctx); err != nil {
					return err
				}
			}
			have, want, err := s.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			return a.print(map[string]any{"version": have, "latest": want, "up_to_date": have == want},
				"schema version %d of %d\n", have, want)
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "only show the schema version")
	return cmd
}
