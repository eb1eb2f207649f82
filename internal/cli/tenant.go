package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) tenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants (companies)"}
	var owner, ownerName, publicURL string
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a tenant, and with --owner its first owner",
		Long: `Create a tenant: a company or team with its own applications, members and
audit log.

With --owner EMAIL the tenant's first owner is created too, and their
one-time setup link is printed: open it to register a passkey and sign in to
the portal. The link works once, until --ttl runs out (default 72h). It
points at the portal of --public-url (env DEADBOLT_PUBLIC_URL; the server's
public URL; a loopback address is written as localhost, because passkeys
need a domain name). Without --owner, make one later with
deadbolt member invite --tenant NAME --email EMAIL --role owner.`,
		Example: `  deadbolt tenant create acme --owner you@acme.test
  deadbolt tenant create acme --owner you@acme.test --public-url https://lock.acme.com
  deadbolt tenant create globex`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.mayCreate = true // the first command of a new install
			svc, err := a.admin(cmd.Context(), false)
			if err != nil {
				return err
			}
			if owner == "" {
				t, err := svc.CreateTenant(cmd.Context(), actor(), args[0])
				if err != nil {
					return err
				}
				return a.print(map[string]any{"id": t.ID, "name": t.Name, "created_at": t.CreatedAt.Format(time.RFC3339)},
					"tenant %s created (id %s)\n", t.Name, t.ID)
			}
			t, inv, err := svc.CreateTenantWithOwner(cmd.Context(), actor(), args[0], owner, ownerName, a.inviteTTL(ttl))
			if err != nil {
				return err
			}
			link := a.setupLink(publicURL, inv.Secret)
			return a.print(map[string]any{"id": t.ID, "name": t.Name, "created_at": t.CreatedAt.Format(time.RFC3339),
				"owner": map[string]any{"member_id": inv.Member.ID, "email": inv.Member.Email, "role": inv.Member.Role,
					"link": link, "expires": inv.Invite.ExpiresAt.Format(time.RFC3339)}},
				"tenant %s created (id %s)\nOne-time setup link for its owner %s, valid until %s:\n  %s\n",
				t.Name, t.ID, inv.Member.Email, inv.Invite.ExpiresAt.Format(time.RFC3339), link)
		},
	}
	create.Flags().StringVar(&owner, "owner", "", "email of the tenant's first owner; prints their setup link")
	create.Flags().StringVar(&ownerName, "owner-name", "", "the owner's name")
	create.Flags().StringVar(&publicURL, "public-url", "", "the server's public URL, for the link (env DEADBOLT_PUBLIC_URL)")
	create.Flags().DurationVar(&ttl, "ttl", 0, "how long the owner's link works (default 72h)")
	cmd.AddCommand(create, &cobra.Command{
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
			return printList(a, "tenants", ts,
				func(t store.Tenant) map[string]any { return map[string]any{"id": t.ID, "name": t.Name} },
				func(t store.Tenant) string { return t.Name + "\t" + t.ID + "\n" })
		},
	})
	return cmd
}
