package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store"
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
	var yes bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Replace the SQLite database's contents with a backup",
		Long: `Replace every row of the embedded SQLite database with the rows of the
backup FILE (made by deadbolt backup), creating the database if it does not
exist. A backup from an older deadbolt is migrated on the way in (FILE itself
is not changed); one from a newer deadbolt is refused.

Replacing a database that exists asks first (on a terminal), or needs --yes.
The database as it was is kept aside first, as a backup next to it
(deadbolt.db.before-restore-TIME); the command says where.

The check log's file (deadbolt.db.checks) is restored first, then the
database, each in one transaction that commits only once every table holds
exactly the backup's rows, so a running server sees in each the old data or
the restored data, never a mix — and a restore that fails on the first file
changes nothing (run it again if it failed on the second). Restored
secrets are sealed under the master key of the install the backup came
from: this install must use that key.`,
		Example: `  deadbolt restore /var/backups/deadbolt-2026-01-31.db
  deadbolt restore --yes /var/backups/deadbolt-2026-01-31.db   # from a script`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.sqliteOnly("restore")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			out := map[string]any{"file": args[0], "database": path}
			var aside string
			if _, err := os.Stat(path); err == nil {
				if !yes {
					if err := a.confirm(fmt.Sprintf("Replace every row of the database %s with the backup %s?", path, args[0])); err != nil {
						return err
					}
				}
				if aside, err = keepAside(ctx, path); err != nil {
					return fmt.Errorf("keeping the current database aside before the restore (nothing was changed): %w", err)
				}
				out["previous"] = aside
			} else if errors.Is(err, fs.ErrNotExist) {
				a.announceCreated(path)
			}
			sum, err := transfer.Restore(ctx, args[0], path)
			if err != nil {
				if aside != "" {
					os.Remove(aside) // nothing changed: the copy is not needed
				}
				return err
			}
			out["schema_version"], out["tables"] = sum.SchemaVersion, sum.Tables
			text := fmt.Sprintf("restored %s into %s (schema version %d)\n%s", args[0], path, sum.SchemaVersion, summaryText(sum))
			if aside != "" {
				text += fmt.Sprintf("the database as it was before is kept at %s (delete it once you are sure)\n", aside)
			}
			return a.print(out, "%s", text)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "replace an existing database without asking")
	return cmd
}

// keepAside backs the database up next to itself, under a name no file
// has yet (deadbolt.db.before-restore-TIME, then -2, -3…).
func keepAside(ctx context.Context, path string) (string, error) {
	base := path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := transfer.Backup(ctx, path, name)
		if !errors.Is(err, store.ErrConflict) || i == 100 {
			return name, err
		}
	}
}

// confirm asks a yes/no question on a terminal. Without a terminal it
// refuses, naming the flag that answers yes.
func (a *app) confirm(question string) error {
	if !isTerminal(a.stdin) {
		return usageErr("%s Not on a terminal, so not asking: add --yes to confirm", question)
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return usageErr("not confirmed; nothing was changed")
}
