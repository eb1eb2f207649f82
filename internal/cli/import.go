package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
)

// maxShownBadRows bounds the bad rows listed in text output.
const maxShownBadRows = 50

func (a *app) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import data in bulk"}
	var appRef string
	var skipBad bool
	accounts := &cobra.Command{
		Use:   "accounts FILE.csv",
		Short: "Enroll accounts from a CSV file",
		Long: `Enroll accounts from a CSV file with a header row. Columns:
  account   the account name (required)
  owner     email of the member who owns it (created if new)
  state     locked (default) or unlocked
Next Level3's importUsers columns are read too: userAccountId is the account,
email the owner, first_name and last_name the owner's name.

Every row is checked first. If any row is bad, nothing is imported and the
bad rows are listed with their line numbers; --skip-bad-rows imports the good
ones instead. The import is one transaction: all of it lands or none.
Accounts already enrolled are left unchanged, so re-running is safe.
Unlocked rows are unlocked for the application's maximum unlock time.`,
		Example: `  deadbolt import accounts --app https://wiki.acme.test accounts.csv
  printf 'account,owner,state\nalice,alice@acme.test,locked\n' | deadbolt import accounts --app https://wiki.acme.test /dev/stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := a.findApp(ctx, appRef)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			defer f.Close()
			parsed, err := csvimport.Parse(f)
			if err != nil {
				if errors.Is(err, csvimport.ErrHeader) {
					return usageErr("%s: %v", args[0], err)
				}
				return usageErr("%s: %v", args[0], err)
			}
			if len(parsed.Bad) > 0 && !skipBad {
				return a.reportBad(args[0], parsed)
			}
			var bar *progressbar.ProgressBar
			if !a.jsonOut && isTerminal(a.stderr) {
				bar = progressbar.NewOptions(len(parsed.Rows), progressbar.OptionSetWriter(a.stderr),
					progressbar.OptionSetDescription("importing"), progressbar.OptionShowCount(),
					progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			progress := func(done int) {
				if bar != nil {
					bar.Set(done)
				}
			}
			start := time.Now()
			res, err := csvimport.Apply(ctx, a.store, actor(), app, parsed, time.Now().UTC(), progress)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				return fmt.Errorf("import failed, nothing was imported: %w", err)
			}
			out := map[string]any{"enrolled": res.Enrolled, "already_enrolled": res.AlreadyPresent, "unlocked": res.Unlocked,
				"members_created": res.MembersCreated, "skipped_bad_rows": res.Skipped, "seconds": time.Since(start).Seconds()}
			if skipBad && len(parsed.Bad) > 0 {
				fmt.Fprint(a.stderr, badRowsText(args[0], parsed.Bad))
			}
			return a.print(out, "imported %d accounts into %s in %s (%d already enrolled, %d unlocked, %d new members, %d bad rows skipped)\n",
				res.Enrolled, app.Issuer, time.Since(start).Round(time.Millisecond), res.AlreadyPresent, res.Unlocked, res.MembersCreated, res.Skipped)
		},
	}
	accounts.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	accounts.Flags().BoolVar(&skipBad, "skip-bad-rows", false, "import the good rows even when some are bad")
	must(accounts, "app")
	cmd.AddCommand(accounts)
	return cmd
}

func (a *app) reportBad(file string, p csvimport.Parsed) error {
	if a.jsonOut {
		rows := []map[string]any{}
		for _, b := range p.Bad {
			rows = append(rows, map[string]any{"line": b.Line, "reason": b.Reason})
		}
		a.print(map[string]any{"error": "bad_rows", "bad_rows": rows, "good_rows": len(p.Rows)}, "")
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s: %d bad rows; nothing imported", file, len(p.Bad))}
	}
	fmt.Fprint(a.stderr, badRowsText(file, p.Bad))
	return &exitError{code: ExitUsage, err: fmt.Errorf("%s: %d bad rows, nothing imported (fix them, or pass --skip-bad-rows to import the %d good rows)",
		file, len(p.Bad), len(p.Rows))}
}

func badRowsText(file string, bad []csvimport.RowError) string {
	var b strings.Builder
	for i, r := range bad {
		if i == maxShownBadRows {
			fmt.Fprintf(&b, "%s: … and %d more bad rows\n", file, len(bad)-i)
			break
		}
		fmt.Fprintf(&b, "%s:%d: %s\n", file, r.Line, r.Reason)
	}
	return b.String()
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
