package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func keyJSON(k store.SigningKey) map[string]any {
	m := map[string]any{"kid": k.KID, "app_id": k.AppID, "algorithm": k.Algorithm,
		"created_at": k.CreatedAt.Format(time.RFC3339), "active": k.Active(time.Now())}
	for name, t := range map[string]time.Time{"expires_at": k.ExpiresAt, "revoked_at": k.RevokedAt, "last_used_at": k.LastUsedAt} {
		if !t.IsZero() {
			m[name] = t.Format(time.RFC3339)
		}
	}
	return m
}

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Manage an application's signing keys"}

	var appRef, pubFile string
	var expiresIn time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a signing key (the secret is shown once)",
		Long: `Create an HS256 signing key: 32 random bytes, printed once as base64 (the
form Next Level3 hands out; integrations base64-decode it to sign their
tokens). deadbolt keeps it only encrypted under its master key and cannot
show it again. An application may have several active keys, so rotate by
creating a new key, rolling it out, then revoking the old one.

With --public-key, register an ES256 (P-256) or EdDSA (Ed25519) public key
instead: the application keeps the private key and no secret is shared.`,
		Example: `  deadbolt key create --app https://wiki.acme.test
  KEY=$(deadbolt key create --app https://wiki.acme.test --json | jq -r .secret)
  deadbolt key create --app https://wiki.acme.test --public-key wiki-signing.pub.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			app, err := a.findApp(ctx, appRef)
			if err != nil {
				return err
			}
			var expires time.Time
			if expiresIn > 0 {
				expires = time.Now().Add(expiresIn).UTC()
			}
			if pubFile != "" {
				pemData, err := os.ReadFile(pubFile)
				if err != nil {
					return usageErr("--public-key: %v", err)
				}
				svc, err := a.admin(ctx, false)
				if err != nil {
					return err
				}
				k, err := svc.RegisterPublicKey(ctx, actor(), app, pemData, expires)
				if err != nil {
					return err
				}
				return a.print(keyJSON(k), "%s key %s registered for %s\n", k.Algorithm, k.KID, app.Issuer)
			}
			svc, err := a.admin(ctx, true)
			if err != nil {
				return err
			}
			k, secret, err := svc.CreateKey(ctx, actor(), app, expires)
			if err != nil {
				return err
			}
			b64 := base64.StdEncoding.EncodeToString(secret)
			out := keyJSON(k)
			out["secret"] = b64
			return a.print(out, "key %s created for %s\nsecret (shown once; store it now): %s\n", k.KID, app.Issuer, b64)
		},
	}
	create.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	create.Flags().StringVar(&pubFile, "public-key", "", "PEM file of an ES256 or EdDSA public key to register instead of creating a secret")
	durationFlag(create.Flags(), &expiresIn, "expires-in", 0, "make the key expire after this long (e.g. 2160h); default never")
	must(create, "app")

	list := a.appListCmd("List an application's keys (never their secrets)", func(ctx context.Context, app store.Application) error {
		keys, err := a.store.SigningKeys(ctx, app.ID)
		if err != nil {
			return err
		}
		return printList(a, "keys", keys, keyJSON, keyLine)
	})

	revoke := &cobra.Command{
		Use:     "revoke KID",
		Short:   "Revoke a signing key at once",
		Example: "  deadbolt key revoke k_3f9a0c1d2e4b5a69",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.admin(cmd.Context(), false)
			if err != nil {
				return err
			}
			k, err := svc.RevokeKey(cmd.Context(), actor(), args[0])
			if err != nil {
				return err
			}
			return a.print(keyJSON(k), "key %s revoked at %s\n", k.KID, k.RevokedAt.Format(time.RFC3339))
		},
	}
	del := &cobra.Command{
		Use:   "delete KID",
		Short: "Delete a revoked signing key for good",
		Long: `Delete a revoked signing key and record the deletion in the audit log.
Only a revoked key can be deleted: revoke it first (deadbolt key revoke KID).

Use it for a key that was written under another master key (the lock check
skips such a key and logs it), or once no token will carry a revoked key
again. Tokens naming a deleted key are refused as naming an unknown key.`,
		Example: "  deadbolt key revoke k_3f9a0c1d2e4b5a69\n  deadbolt key delete k_3f9a0c1d2e4b5a69",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.admin(cmd.Context(), false)
			if err != nil {
				return err
			}
			k, err := svc.DeleteKey(cmd.Context(), actor(), args[0])
			if err != nil {
				return err
			}
			return a.print(map[string]any{"kid": k.KID, "deleted": true}, "key %s deleted\n", k.KID)
		},
	}
	cmd.AddCommand(create, list, revoke, del)
	return cmd
}

// keyLine is a key's line in key list: its state and last use.
func keyLine(k store.SigningKey) string {
	state := "active"
	if !k.RevokedAt.IsZero() {
		state = "revoked " + k.RevokedAt.Format(time.RFC3339)
	} else if !k.Active(time.Now()) {
		state = "expired"
	}
	used := "never used"
	if !k.LastUsedAt.IsZero() {
		used = "last used " + k.LastUsedAt.Format(time.RFC3339)
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\n", k.KID, k.Algorithm, state, used)
}
