package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
)

func (a *app) memberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Manage members: the people who sign in to the portal"}

	var tenant, email, name, role, publicURL string
	var ttl time.Duration
	invite := &cobra.Command{
		Use:   "invite",
		Short: "Print a one-time link that lets a member create their passkey",
		Long: `Print a one-time link that lets a member register a passkey for the portal.
The member is created (with --role, default member) if the tenant has none
with that email; an existing member keeps their role, and asking for a
different one is refused. The link works once, until --ttl runs out; only a
hash of it is stored, so it cannot be shown again: run invite again for a
new one.

The link points at the portal of --public-url (env DEADBOLT_PUBLIC_URL; the
server's public URL). A loopback address is written as localhost, because
passkeys need a domain name.`,
		Example: `  deadbolt member invite --tenant acme --email alice@acme.test --role owner
  deadbolt member invite --tenant acme --email bob@acme.test --public-url https://lock.acme.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			t, err := svc.Tenant(ctx, tenant)
			if err != nil {
				return err
			}
			if publicURL != "" {
				a.cfg.PublicURL = publicURL
			}
			if ttl <= 0 {
				ttl = a.cfg.Portal.InviteTTL
			}
			inv, err := svc.Invite(ctx, actor(), t.ID, email, name, role, ttl)
			if err != nil {
				return err
			}
			link := portal.SetupURL(a.cfg.EffectivePublicURL(), inv.Secret)
			return a.print(map[string]any{"member_id": inv.Member.ID, "email": inv.Member.Email, "role": inv.Member.Role,
				"link": link, "expires": inv.Invite.ExpiresAt.Format(time.RFC3339)},
				"One-time setup link for %s (%s), valid until %s:\n  %s\n", inv.Member.Email, inv.Member.Role,
				inv.Invite.ExpiresAt.Format(time.RFC3339), link)
		},
	}
	invite.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	invite.Flags().StringVar(&email, "email", "", "the member's email (required)")
	invite.Flags().StringVar(&name, "name", "", "the member's name, for a new member")
	invite.Flags().StringVar(&role, "role", "", "owner, admin, approver or member (default member for a new member)")
	invite.Flags().StringVar(&publicURL, "public-url", "", "the server's public URL (env DEADBOLT_PUBLIC_URL)")
	durationFlag(invite.Flags(), &ttl, "ttl", 0, "how long the link works (default 72h)")
	must(invite, "tenant", "email")

	var listTenant string
	list := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's members and their passkeys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			t, err := svc.Tenant(ctx, listTenant)
			if err != nil {
				return err
			}
			ms, err := svc.Store.Members(ctx, t.ID)
			if err != nil {
				return err
			}
			out := []map[string]any{}
			text := ""
			for _, m := range ms {
				keys, err := svc.Store.Passkeys(ctx, m.ID)
				if err != nil {
					return err
				}
				out = append(out, map[string]any{"id": m.ID, "email": m.Email, "name": m.Name, "role": m.Role, "passkeys": len(keys),
					"lock_everything": m.LockAll})
				text += m.Email + "\t" + m.Role + "\t" + plural(len(keys), "passkey") + "\n"
			}
			return a.print(map[string]any{"members": out}, "%s", text)
		},
	}
	list.Flags().StringVar(&listTenant, "tenant", "", "tenant name or id (required)")
	must(list, "tenant")

	cmd.AddCommand(invite, list)
	return cmd
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// printSetupLinks prints a one-time owner setup link for every tenant whose
// owners cannot sign in to the portal yet.
func (a *app) printSetupLinks(cmd *cobra.Command, svc *admin.Service) error {
	invs, err := svc.SetupLinks(cmd.Context(), "system:serve", a.cfg.Portal.InviteTTL)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		t, err := svc.Store.Tenant(cmd.Context(), inv.Member.TenantID)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "No owner of tenant %s can sign in to the portal yet. One-time setup link for %s, valid until %s:\n  %s\n",
			t.Name, inv.Member.Email, inv.Invite.ExpiresAt.Format(time.RFC3339), portal.SetupURL(a.cfg.EffectivePublicURL(), inv.Secret))
	}
	return nil
}
