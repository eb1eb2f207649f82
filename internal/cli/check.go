package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
)

func (a *app) checkCmd() *cobra.Command {
	var url, path, issuer, account, ip, device, location, failMode, glassFile string
	var timeout time.Duration
	var key keyFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Ask a deadbolt server whether an account is locked (for PAM and scripts)",
		Long: `Ask a deadbolt server whether an account is locked, exactly as an application
does: sign a short-lived token with the application's key and call the lock
check. Exit status:
  0  unlocked: let the sign-in through
  1  locked
  2  could not decide (server unreachable, timeout, bad key, bad answer),
     or the command itself was wrong (unknown flag, missing --account):
     never 1, which a PAM module or script reads as "locked"

With --fail-mode open, "could not decide" exits 0 instead (and still says why
on stderr); the default, closed, treats it as locked-like and exits 2.

With --break-glass-file (a file made by 'deadbolt breakglass issue' for this
account), a server that cannot be reached (no connection, timeout, or a 5xx
answer) does not refuse the account: one unused one-time code of the file is
used (marked used in the file, under a lock, atomically) and the check exits
0. A used code never admits again; with none left it exits 2. The next check
that reaches the server reports the used codes to it (the audit records
each, and every admin is alerted). A server that answers "locked" is obeyed:
codes are for when it cannot answer at all.

The key is read from --key, --key-file or DEADBOLT_KEY (base64, as
'deadbolt key create' printed it). Prefer the file or the variable: a flag
shows up in the process list.`,
		Example: `  deadbolt check --url http://127.0.0.1:8420 --issuer https://wiki.acme.test --key-file /etc/deadbolt/wiki.key --account alice

  # /etc/pam.d/sshd: refuse SSH logins to locked accounts
  auth required pam_exec.so quiet /usr/local/bin/deadbolt-pam
  # where deadbolt-pam runs:
  exec deadbolt check --url https://lock.example.com --issuer ssh.example.com \
       --key-file /etc/deadbolt/ssh.key --account "$PAM_USER" --ip "$PAM_RHOST"`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{usageExitAnnotation: "2"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := key.read(a)
			if err != nil {
				return &exitError{code: ExitInternal, err: err}
			}
			c, err := client.New(client.Config{
				URL: url, Path: path, Issuer: issuer, Key: secret, Timeout: timeout,
				FailMode: client.FailMode(failMode), IntegrationType: "deadbolt-cli",
			})
			if err != nil {
				return &exitError{code: ExitInternal, err: err}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout+time.Second)
			defer cancel()
			d, err := c.Check(ctx, account, client.Context{IP: ip, Device: device, Location: location})
			if glassFile != "" && unreachable(err) {
				return a.breakGlassOffline(glassFile, issuer, account, err)
			}
			if glassFile != "" && err == nil {
				a.reportBreakGlass(ctx, glassFile, url, issuer, secret, timeout)
			}
			if err != nil {
				if failMode == string(client.FailOpen) {
					fmt.Fprintf(a.stderr, "deadbolt: could not decide, failing open: %v\n", err)
					a.print(map[string]any{"locked": false, "status": "undecided_fail_open", "message": err.Error()}, "unlocked (fail open: %v)\n", err)
					return nil
				}
				return &exitError{code: ExitInternal, err: fmt.Errorf("could not decide: %w", err)}
			}
			a.print(map[string]any{"locked": d.Locked, "status": d.Status, "message": d.Message, "sessionID": d.SessionID},
				"%s (%s): %s\n", lockWord(d.Locked), d.Status, d.Message)
			if d.Locked {
				return errLocked
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "", "deadbolt base URL (required)")
	f.StringVar(&path, "path", "", "lock-check path (default /nl3/api/v1/accountProtectionCheck)")
	f.StringVar(&issuer, "issuer", "", "the application's issuer (required)")
	key.add(f)
	f.StringVar(&account, "account", "", "account name to check (required)")
	f.StringVar(&ip, "ip", "", "IP address of the person signing in")
	f.StringVar(&device, "device", "", "their device or user agent")
	f.StringVar(&location, "location", "", "their location")
	f.StringVar(&failMode, "fail-mode", string(client.FailClosed), "when deadbolt cannot decide: closed (exit 2) or open (exit 0)")
	durationFlag(f, &timeout, "timeout", 3*time.Second, "give up after this long")
	f.StringVar(&glassFile, "break-glass-file", "", "one-time offline codes ('deadbolt breakglass issue') to admit the account when the server cannot be reached")
	must(cmd, "url", "issuer", "account")
	return cmd
}

// unreachable reports whether a check's error means the server could not
// be reached or could not answer (no connection, timeout, 5xx), as opposed
// to an answer that refuses the caller (a bad key is no emergency).
func unreachable(err error) bool {
	if err == nil || !errors.Is(err, client.ErrUndecided) {
		return false
	}
	var he *client.HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500
	}
	return true
}

// breakGlassOffline admits account with one code of the file, when the
// server could not be reached (cause).
func (a *app) breakGlassOffline(file, issuer, account string, cause error) error {
	code, left, err := breakglass.UseCode(file, issuer, account, time.Now())
	if err != nil {
		return &exitError{code: ExitInternal, err: fmt.Errorf("could not decide (%v), and break-glass failed: %w", cause, err)}
	}
	fmt.Fprintf(a.stderr, "deadbolt: server unreachable (%v); admitted with a one-time break-glass code (%d left); it is reported when the server is back\n", cause, left)
	return a.print(map[string]any{"locked": false, "status": "break_glass_offline", "codes_left": left, "used_at": code.Used.Format(time.RFC3339Nano)},
		"unlocked (break_glass_offline): one-time code used, %d left\n", left)
}

// reportBreakGlass reports the file's used codes now that the server
// answers; a failure is a warning, never the check's outcome.
func (a *app) reportBreakGlass(ctx context.Context, file, url, issuer string, key []byte, timeout time.Duration) {
	r := &breakglass.Reporter{URL: url, Issuer: issuer, Key: key, HTTP: &http.Client{Timeout: timeout}, Now: time.Now}
	out, err := r.ReportFile(ctx, file)
	if err != nil {
		fmt.Fprintf(a.stderr, "deadbolt: could not report used break-glass codes yet: %v\n", err)
		return
	}
	if out.Accepted > 0 {
		fmt.Fprintf(a.stderr, "deadbolt: reported %d used break-glass code(s)\n", out.Accepted)
	}
	if out.Already > 0 {
		fmt.Fprintf(a.stderr, "deadbolt: %d break-glass code(s) of %s had been reported already: used on another copy of the file?\n", out.Already, file)
	}
	if out.Unknown > 0 {
		fmt.Fprintf(a.stderr, "deadbolt: the server does not know %d used break-glass code(s) of %s\n", out.Unknown, file)
	}
}

// errLocked is check's answer "locked": exit 1, the only way it exits 1.
var errLocked = &exitError{code: ExitUsage, err: errors.New("account is locked")}

// keyFlags name an application's signing key: --key, --key-file or, with
// neither, DEADBOLT_KEY.
type keyFlags struct{ key, file string }

func (k *keyFlags) add(f *pflag.FlagSet) {
	f.StringVar(&k.key, "key", "", "the application's signing key, base64")
	f.StringVar(&k.file, "key-file", "", "file holding the signing key, base64")
}

// read takes the signing key from the flag, the file or the environment.
func (k keyFlags) read(a *app) ([]byte, error) {
	src := k.key
	switch env := a.getenv("DEADBOLT_KEY"); {
	case k.key != "":
	case k.file != "":
		b, err := os.ReadFile(k.file)
		if err != nil {
			return nil, fmt.Errorf("--key-file: %w", err)
		}
		src = strings.TrimSpace(string(b))
	case env != "":
		src = env
	default:
		return nil, errors.New("no signing key: give --key, --key-file or DEADBOLT_KEY")
	}
	return client.DecodeKey(src)
}
