package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
	"github.com/deadbolt-dev/deadbolt/internal/transfer"
)

// sqliteOnly returns the database file, or a usage error pointing a
// PostgreSQL install at pg_dump.
func (a *app) sqliteOnly(what string) (string, error) {
	if err := a.cfg.Validate(); err != nil {
		return "", usageErr("%v", err)
	}
	path := backend.SQLitePath(a.cfg.DB)
	if path == "" {
		return "", usageErr("deadbolt %s works on the embedded SQLite database; back up PostgreSQL with pg_dump "+
			"(see docs/deploy.md, \"Backups\")", what)
	}
	return path, nil
}

func summaryText(s transfer.Summary) string {
	var b strings.Builder
	for _, t := range s.Tables {
		fmt.Fprintf(&b, "  %-16s %d rows\n", t.Name, t.Rows)
	}
	return b.String()
}

func (a *app) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the SQLite database to FILE, online",
		Long: `Write a consistent copy of the embedded SQLite database to FILE while
deadbolt keeps serving: the copy is one read transaction of the live file
(VACUUM INTO), checked with PRAGMA integrity_check before it is put in place.
FILE must not exist; it is created owner-only (0600).

The backup does not contain the master key (master.key next to the
database, or DEADBOLT_MASTER_KEY): signing and webhook secrets in it are
sealed under that key, so back the key up too, separately.

PostgreSQL installs back up with pg_dump; see docs/deploy.md.`,
		Example: `  deadbolt backup /var/backups/deadbolt-$(date +%F).db
  deadbolt backup --json ./before-upgrade.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.sqliteOnly("backup")
			if err != nil {
				return err
			}
			sum, err := transfer.Backup(cmd.Context(), path, args[0])
			if err != nil {
				return err
			}
			return a.print(map[string]any{"file": args[0], "bytes": sum.Bytes, "schema_version": sum.SchemaVersion, "tables": sum.Tables},
				"backed up %s to %s (%d bytes, schema version %d)\n%sback up the master key (%s) separately: the backup cannot be read without it\n",
				path, args[0], sum.Bytes, sum.SchemaVersion, summaryText(sum), filepath.Join(backend.DataDir(a.cfg.DB), "master.key"))
		},
	}
}

func (a *app) restoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Replace the SQLite database's contents with a backup",
		Long: `Replace every row of the embedded SQLite database with the rows of the
backup FILE (made by deadbolt backup), creating the database if it does not
exist. A backup from an older deadbolt is migrated on the way in (FILE itself
is not changed); one from a newer deadbolt is refused.

The replacement is one transaction that commits only once every table holds
exactly the backup's rows, so a running server sees the old data or the
restored data, never a mix — and a failed restore changes nothing. Restored
secrets are sealed under the master key of the install the backup came
from: this install must use that key.`,
		Example: `  deadbolt restore /var/backups/deadbolt-2026-01-31.db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.sqliteOnly("restore")
			if err != nil {
				return err
			}
			sum, err := transfer.Restore(cmd.Context(), args[0], path)
			if err != nil {
				return err
			}
			return a.print(map[string]any{"file": args[0], "database": path, "schema_version": sum.SchemaVersion, "tables": sum.Tables},
				"restored %s into %s (schema version %d)\n%s", args[0], path, sum.SchemaVersion, summaryText(sum))
		},
	}
}
