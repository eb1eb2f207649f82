package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/oidc"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func oidcClientJSON(c store.OIDCClient) map[string]any {
	frames := c.FrameOrigins
	if frames == nil {
		frames = []string{}
	}
	return map[string]any{"client_id": c.ID, "tenant_id": c.TenantID, "name": c.Name, "public": c.Public,
		"redirect_uris": c.RedirectURIs, "frame_origins": frames, "app_id": c.AppID,
		"created_at": c.CreatedAt.Format(time.RFC3339)}
}

func (a *app) oidcCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "oidc",
		Short: "Manage the OpenID provider for step-up sign-in",
		Long: `serve is an OpenID provider at its public URL (discovery at
/.well-known/openid-configuration, endpoints under /oidc/): an application,
or Amazon Cognito's custom auth challenge, sends a person there to confirm
with a user-verified passkey, now, that it is them — and, with
acr_values=urn:deadbolt:acr:passkey+unlocked, that their account at the
client's application is unlocked (they may unlock it in the same step).

Clients belong to a tenant: only its members can complete their step-ups.
Authorization code flow only; PKCE is required of public clients. See
docs/oidc.md.`,
	}
	client := &cobra.Command{Use: "client", Short: "Manage a tenant's OpenID clients"}
	client.AddCommand(a.oidcClientCreateCmd(), a.oidcClientListCmd(), a.oidcClientDeleteCmd())
	cmd.AddCommand(client, a.oidcKeyCmd())
	return cmd
}

func (a *app) oidcClients(cmd *cobra.Command, tenant string) (*oidc.Clients, store.Tenant, error) {
	_, t, err := a.adminOfTenant(cmd.Context(), tenant, false)
	if err != nil {
		return nil, t, err
	}
	s, err := a.openStore(cmd.Context())
	if err != nil {
		return nil, t, err
	}
	return &oidc.Clients{Store: s, Clock: clock.Real{}}, t, nil
}

func (a *app) oidcClientCreateCmd() *cobra.Command {
	var tenant, name, appRef string
	var redirects, frames []string
	var public bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a relying party (its secret is shown once)",
		Long: `Register a relying party of the tenant. A confidential client (the default)
gets a secret, shown once and stored only as a hash; it authenticates at the
token endpoint with client_secret_basic or client_secret_post. --public makes
a client without a secret (a single-page or native app): it must use PKCE.

--redirect-uri (repeatable) lists where codes may be sent; a request's
redirect_uri must match one exactly. Plain http is allowed only for
localhost and loopback addresses.

--frame-origin (repeatable) lists the origins that may show the step-up page
in a frame (iframe). No frame origin: the page refuses to be framed.

--app names the application (id or issuer) whose account must be unlocked
for acr_values=urn:deadbolt:acr:passkey+unlocked.`,
		Example: `  deadbolt oidc client create --tenant acme --name cognito-stepup --app https://wiki.acme.test \
      --redirect-uri https://login.acme.test/stepup/callback --frame-origin https://login.acme.test
  deadbolt oidc client create --tenant acme --name spa --public --redirect-uri http://localhost:3000/cb --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clients, t, err := a.oidcClients(cmd, tenant)
			if err != nil {
				return err
			}
			var appID string
			if appRef != "" {
				app, err := a.findApp(cmd.Context(), appRef)
				if err != nil {
					return err
				}
				if app.TenantID != t.ID {
					return usageErr("application %s is not of tenant %s", appRef, t.Name)
				}
				appID = app.ID
			}
			c, err := clients.Create(cmd.Context(), actor(), oidc.NewClient{TenantID: t.ID, Name: name, RedirectURIs: redirects,
				FrameOrigins: frames, Public: public, AppID: appID})
			if errors.Is(err, oidc.ErrInvalidClient) {
				return usageErr("%v", err)
			}
			if err != nil {
				return err
			}
			out := oidcClientJSON(c.Client)
			out["client_secret"] = c.Secret
			text := fmt.Sprintf("client %s (%s) created\nclient_id: %s\n", c.Client.Name, t.Name, c.Client.ID)
			if c.Secret != "" {
				text += "client_secret (shown once; store it with the relying party): " + c.Secret + "\n"
			} else {
				text += "public client: no secret; it must use PKCE (S256)\n"
			}
			return a.print(out, "%s", text)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	cmd.Flags().StringVar(&name, "name", "", "the client's name, unique in the tenant (required)")
	cmd.Flags().StringArrayVar(&redirects, "redirect-uri", nil, "where codes may be sent (required; repeatable; exact match)")
	cmd.Flags().StringArrayVar(&frames, "frame-origin", nil, "an origin that may frame the step-up page (repeatable)")
	cmd.Flags().BoolVar(&public, "public", false, "a client without a secret, which must use PKCE")
	cmd.Flags().StringVar(&appRef, "app", "", "application (id or issuer) whose account acr passkey+unlocked checks")
	must(cmd, "tenant", "name", "redirect-uri")
	return cmd
}

func (a *app) oidcClientListCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's OpenID clients",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clients, t, err := a.oidcClients(cmd, tenant)
			if err != nil {
				return err
			}
			list, err := clients.List(cmd.Context(), t.ID)
			if err != nil {
				return err
			}
			out, text := []map[string]any{}, ""
			for _, c := range list {
				out = append(out, oidcClientJSON(c))
				kind := "confidential"
				if c.Public {
					kind = "public"
				}
				text += fmt.Sprintf("%s\t%s\t%s\t%s\n", c.ID, c.Name, kind, strings.Join(c.RedirectURIs, " "))
			}
			return a.print(map[string]any{"clients": out}, "%s", text)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	must(cmd, "tenant")
	return cmd
}

func (a *app) oidcClientDeleteCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "delete CLIENT",
		Short: "Remove a client (by client_id or name) and its sign-ins in flight",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clients, t, err := a.oidcClients(cmd, tenant)
			if err != nil {
				return err
			}
			c, err := clients.Delete(cmd.Context(), actor(), t.ID, args[0])
			if err != nil {
				return err
			}
			return a.print(map[string]any{"client_id": c.ID, "deleted": true}, "client %s (%s) deleted\n", c.Name, c.ID)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	must(cmd, "tenant")
	return cmd
}

func (a *app) oidcKeyCmd() *cobra.Command {
	key := &cobra.Command{Use: "key", Short: "Manage the provider's signing keys"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key; the old one stays published until its tokens expire",
		Long: `Make a new ES256 signing key for the OpenID provider. The key that signed
until now is retired: it stays in the JWKS for an hour more (longer than any
token it signed lives), then is deleted. Keys also rotate by themselves
every 30 days. The private keys are sealed under the master key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			box, err := a.box(cmd.Context(), nil)
			if err != nil {
				return err
			}
			k, err := (&oidc.Keys{Store: s, Box: box, Clock: clock.Real{}}).Rotate(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(map[string]any{"kid": k.ID, "algorithm": k.Algorithm, "created_at": k.CreatedAt.Format(time.RFC3339)},
				"signing key %s (%s) now signs\n", k.ID, k.Algorithm)
		},
	}
	key.AddCommand(rotate)
	return key
}
