package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/transfer"
)

func (a *app) copyCmd() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "copy --from sqlite:PATH --to postgres://…",
		Short: "Copy a SQLite install into an empty PostgreSQL database",
		Long: `Copy every row of a SQLite install — tenants, applications, keys, members,
accounts, grants, requests, the audit chain, the whole check log, webhooks and
their outbox, portal sessions and passkeys — into an empty PostgreSQL
database, to move a single-node install to several nodes.

The source is only read, in one read transaction, so the copy is the state of
one instant; stop deadbolt serve first so that nothing written after that
instant is left behind. The source must be at this binary's schema version
(run deadbolt migrate on it first). The target is migrated, must be empty, and
is loaded in one transaction; afterwards every table's row count and a digest
of all its values are compared between the two databases, and the copy fails
loudly if they differ.

Secrets stay sealed under the SQLite install's master key: give every
PostgreSQL node that key (DEADBOLT_MASTER_KEY or DEADBOLT_MASTER_KEY_FILE).`,
		Example: `  deadbolt copy --from sqlite:./deadbolt-data/deadbolt.db --to postgres://deadbolt@db.internal/deadbolt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			src := backend.SQLitePath(from)
			if src == "" {
				return usageErr("--from must be sqlite:PATH, got %q", from)
			}
			if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
				return noDatabase(fmt.Errorf("%w at %s", backend.ErrNoDatabase, src))
			}
			if !backend.IsShared(to) {
				return usageErr("--to must be postgres://… or postgresql://…, got %q", postgres.Redact(to))
			}
			dst, err := postgres.Open(ctx, to, postgres.Options{AutoMigrate: true})
			if err != nil {
				return err
			}
			defer dst.Close()
			progress := func(table string, rows int64) {
				if !a.jsonOut {
					fmt.Fprintf(a.stderr, "copied %-16s %d rows\n", table, rows)
				}
			}
			res, err := transfer.Copy(ctx, src, dst, progress)
			if err != nil {
				return err
			}
			key := filepath.Join(filepath.Dir(src), "master.key")
			var total int64
			for _, t := range res.Tables {
				total += t.Rows
			}
			return a.print(map[string]any{"from": from, "to": dst.String(), "schema_version": res.SchemaVersion,
				"tables": res.Tables, "rows": total, "verified": true, "digests": res.Digests},
				"copied %d rows in %d tables from %s to %s; row counts and contents verified\n"+
					"every node on PostgreSQL needs this install's master key: DEADBOLT_MASTER_KEY_FILE=%s (or its contents in DEADBOLT_MASTER_KEY)\n",
				total, len(res.Tables), strings.TrimPrefix(from, "sqlite:"), dst.String(), key)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the SQLite database to copy: sqlite:PATH")
	cmd.Flags().StringVar(&to, "to", "", "the empty PostgreSQL database to copy into: postgres://…")
	must(cmd, "from", "to")
	return cmd
}
