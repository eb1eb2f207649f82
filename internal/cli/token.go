package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Work with lock-check tokens"}
	var issuer, account, aud string
	var key keyFlags
	var ttl time.Duration
	var enable bool
	mint := &cobra.Command{
		Use:   "mint",
		Short: "Print a lock-check token (JWT), for curl and tests",
		Long: `Print a lock-check JWT signed HS256 with the application's key, as an
integration would make it: iss = issuer, sub = account, aud = the deadbolt
URL, iat = now − 60 s, exp = now + ttl. Only the token is printed on stdout.

--enable mints a token for an enablement link (/enable?auth-token=…): its
header says "typ": "enable+jwt", and the lock check refuses it.`,
		Example: `  TOKEN=$(deadbolt token mint --issuer https://wiki.acme.test --key "$KEY" --account alice --aud http://127.0.0.1:8420)
  curl -s -X POST http://127.0.0.1:8420/nl3/api/v1/accountProtectionCheck \
       -H "x-nl3-authorization-token: $TOKEN" -d '{"userIP":"203.0.113.7"}'
  echo "http://localhost:8420/enable?auth-token=$(deadbolt token mint --enable --issuer https://wiki.acme.test --key "$KEY" --account alice --aud http://127.0.0.1:8420)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := key.read(a)
			if err != nil {
				return usageErr("%v", err)
			}
			if ttl <= 0 || ttl > 15*time.Minute {
				return usageErr("--ttl must be between 1s and 15m (deadbolt refuses longer-lived tokens), got %s", ttl)
			}
			now := time.Now().UTC()
			c := token.Claims{Issuer: issuer, Subject: account, IssuedAt: now.Add(-60 * time.Second), ExpiresAt: now.Add(ttl)}
			if aud != "" {
				c.Audience = []string{aud}
			}
			mintFn := token.Mint
			if enable {
				mintFn = token.MintEnablement
			}
			raw, err := mintFn(token.Key{Algorithm: "HS256", Secret: secret}, c)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.print(map[string]any{"token": raw, "expires_at": c.ExpiresAt.Format(time.RFC3339)}, "")
			}
			_, err = fmt.Fprintln(a.stdout, raw)
			return err
		},
	}
	f := mint.Flags()
	f.StringVar(&issuer, "issuer", "", "the application's issuer (required)")
	key.add(f)
	f.StringVar(&account, "account", "", "account name: the token's sub (required)")
	f.StringVar(&aud, "aud", "", "audience: the deadbolt server's public URL (required)")
	durationFlag(f, &ttl, "ttl", 5*time.Minute, "lifetime, at most 15m")
	f.BoolVar(&enable, "enable", false, "mint for an enablement link (typ enable+jwt): refused by the lock check")
	must(mint, "issuer", "account", "aud")
	cmd.AddCommand(mint)
	return cmd
}
