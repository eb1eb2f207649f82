package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) memberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Manage members: the people who sign in to the portal",
		Long: `Manage members: the people who sign in to the portal with a passkey.

The CLI is the operator's break-glass path: it may do what no member may do
in the portal (recover an owner, change any role), and every change is
recorded in the tenant's audit log under the operator's name (cli:USER).
Only the tenant's last owner is protected: it can be neither demoted nor
removed.`}

	var tenant, email, name, role, publicURL string
	var ttl time.Duration
	invite := &cobra.Command{
		Use:   "invite",
		Short: "Print a one-time link that lets a member create their passkey",
		Long: `Print a one-time link that lets a member register a passkey for the portal.
The member is created (with --role, default member) if the tenant has none
with that email; an existing member keeps their role, and asking for a
different one is refused (use member set-role). The link works once, until
--ttl runs out; only a hash of it is stored, so it cannot be shown again:
run invite again for a new one.

For a member who already has a passkey the link is a recovery: whoever opens
it can sign in as that member. It is recorded as member.recovery_issued in
the audit log, and the member is told on every channel they have (email
when SMTP is set up, and their browsers with Web Push). In the portal only
an owner may recover an owner or an admin, and nobody themselves; here the
operator may recover anyone.

The link points at the portal of --public-url (env DEADBOLT_PUBLIC_URL; the
server's public URL). A loopback address is written as localhost, because
passkeys need a domain name.`,
		Example: `  deadbolt member invite --tenant acme --email alice@acme.test --role owner
  deadbolt member invite --tenant acme --email bob@acme.test --public-url https://lock.acme.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, t, err := a.adminOfTenant(ctx, tenant, false)
			if err != nil {
				return err
			}
			inv, err := svc.Invite(ctx, admin.Operator(actor()), t.ID, email, name, role, a.inviteTTL(ttl))
			if err != nil {
				return err
			}
			return a.printLink(inv, publicURL)
		},
	}
	invite.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	invite.Flags().StringVar(&email, "email", "", "the member's email (required)")
	invite.Flags().StringVar(&name, "name", "", "the member's name, for a new member")
	invite.Flags().StringVar(&role, "role", "", "owner, admin, approver, member or auditor (default member for a new member)")
	invite.Flags().StringVar(&publicURL, "public-url", "", "the server's public URL (env DEADBOLT_PUBLIC_URL)")
	durationFlag(invite.Flags(), &ttl, "ttl", 0, "how long the link works (default 72h)")
	must(invite, "tenant", "email")

	list := a.tenantListCmd("List a tenant's members and their passkeys", func(ctx context.Context, svc *admin.Service, t store.Tenant) error {
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
				"lock_everything": m.LockAll, "locked_down": m.LockedDown, "email_verified": m.EmailVerified()})
			text += m.Email + "\t" + m.Role + "\t" + plural(len(keys), "passkey")
			if m.LockedDown {
				text += "\tlocked down"
			}
			if !m.EmailVerified() {
				text += "\temail not confirmed (self-registered)"
			}
			text += "\n"
		}
		return a.print(map[string]any{"members": out}, "%s", text)
	})

	cmd.AddCommand(invite, list, a.memberSetRoleCmd(), a.memberRemoveCmd(), a.memberLockCmd(true), a.memberLockCmd(false))
	return cmd
}

// memberFlags are the flags that name one member.
type memberFlags struct{ tenant, email string }

func (f *memberFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.tenant, "tenant", "", "tenant name or id (required)")
	cmd.Flags().StringVar(&f.email, "email", "", "the member's email or id (required)")
	must(cmd, "tenant", "email")
}

// find returns the admin service and the member the flags name.
func (f *memberFlags) find(ctx context.Context, a *app) (*admin.Service, store.Member, error) {
	svc, t, err := a.adminOfTenant(ctx, f.tenant, false)
	if err != nil {
		return nil, store.Member{}, err
	}
	m, err := svc.Member(ctx, t.ID, f.email)
	return svc, m, err
}

func (a *app) memberSetRoleCmd() *cobra.Command {
	var f memberFlags
	var role string
	cmd := &cobra.Command{
		Use:   "set-role",
		Short: "Change a member's role",
		Long: `Change a member's role: owner, admin, approver, member or auditor.
Owners and admins manage the tenant in the portal; approvers answer unlock
requests; members look after their own accounts; auditors read every admin
page (the audit trail included) and change nothing. The tenant's last owner
cannot be demoted: make another owner first. Recorded as
member.role_changed.`,
		Example: `  deadbolt member set-role --tenant acme --email bob@acme.test --role admin
  deadbolt member set-role --tenant acme --email audit@acme.test --role auditor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, m, err := f.find(cmd.Context(), a)
			if err != nil {
				return err
			}
			old := m.Role
			if m, err = svc.SetRole(cmd.Context(), admin.Operator(actor()), m.ID, role); err != nil {
				return err
			}
			return a.print(map[string]any{"member_id": m.ID, "email": m.Email, "role": m.Role, "previous_role": old},
				"%s is now %s (was %s)\n", m.Email, m.Role, old)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&role, "role", "", "owner, admin, approver, member or auditor (required)")
	must(cmd, "role")
	return cmd
}

func (a *app) memberRemoveCmd() *cobra.Command {
	var f memberFlags
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Remove a member, their passkeys and their sessions",
		Long: `Remove a member from the tenant: their passkeys, portal sessions, open
setup links and push subscriptions go with them. The accounts they owned
stay enrolled but unlinked, so they stay locked (nobody can unlock them
from the portal) until they are enrolled again with another owner. The
tenant's last owner cannot be removed. Recorded as member.removed.`,
		Example: `  deadbolt member remove --tenant acme --email bob@acme.test`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, m, err := f.find(cmd.Context(), a)
			if err != nil {
				return err
			}
			m, unlinked, err := svc.RemoveMember(cmd.Context(), admin.Operator(actor()), m.ID)
			if err != nil {
				return err
			}
			return a.print(map[string]any{"member_id": m.ID, "email": m.Email, "removed": true, "accounts_unlinked": unlinked},
				"%s removed; %s unlinked\n", m.Email, plural(unlinked, "account"))
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) memberLockCmd(on bool) *cobra.Command {
	var f memberFlags
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Lock down every account a member owns (admin hard lock)",
		Long: `Lock down a member: every account they own answers locked, whatever the
member does in the portal (they cannot unlock, approve or lift it), and
every open unlock of those accounts ends now. Use it when a member's
devices or passkeys may be in the wrong hands. It lasts until
deadbolt member unlock. Recorded as member.locked_down.`,
		Example: `  deadbolt member lock --tenant acme --email bob@acme.test`,
	}
	if !on {
		cmd.Use, cmd.Short = "unlock", "Lift a member's lockdown"
		cmd.Long = `Lift the lockdown that deadbolt member lock set. It opens nothing: the
member's accounts stay locked until they are unlocked as usual. Recorded as
member.lockdown_lifted.`
		cmd.Example = `  deadbolt member unlock --tenant acme --email bob@acme.test`
	}
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		_, m, err := f.find(cmd.Context(), a)
		if err != nil {
			return err
		}
		acc, err := a.access(cmd.Context())
		if err != nil {
			return err
		}
		if m, err = acc.LockDownMember(cmd.Context(), actor(), m.ID, on); err != nil {
			return err
		}
		text := "%s is locked down: every account they own answers locked\n"
		if !on {
			text = "%s's lockdown is lifted; their accounts stay locked until unlocked\n"
		}
		return a.print(map[string]any{"member_id": m.ID, "email": m.Email, "locked_down": m.LockedDown}, text, m.Email)
	}
	f.add(cmd)
	return cmd
}

// setupLink is the one-time link with secret on the portal of publicURL
// (default: the configured public URL, DEADBOLT_PUBLIC_URL).
func (a *app) setupLink(publicURL, secret string) string {
	if publicURL != "" {
		a.cfg.PublicURL = publicURL
	}
	return portal.SetupURL(a.cfg.EffectivePublicURL(), secret)
}

// inviteTTL is ttl, or the configured default when it is not positive.
func (a *app) inviteTTL(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return a.cfg.Portal.InviteTTL
	}
	return ttl
}

// printLink prints a member's one-time setup link on the portal of
// publicURL (default: the configured public URL).
func (a *app) printLink(inv admin.Invitation, publicURL string) error {
	link := a.setupLink(publicURL, inv.Secret)
	kind := "One-time setup link"
	out := map[string]any{"member_id": inv.Member.ID, "email": inv.Member.Email, "role": inv.Member.Role,
		"link": link, "expires": inv.Invite.ExpiresAt.Format(time.RFC3339), "recovery": inv.Recovery}
	if inv.Recovery {
		out["notified"] = append([]string{}, inv.Notified...)
		kind = "Recovery link (audited; the member is told by " + strings.Join(inv.Notified, " and ") + ")"
		if len(inv.Notified) == 0 {
			kind = "Recovery link (audited; the member could not be told: no email is set up and they have no push browser)"
		}
	}
	return a.print(out,
		"%s for %s (%s), valid until %s:\n  %s\n", kind, inv.Member.Email, inv.Member.Role,
		inv.Invite.ExpiresAt.Format(time.RFC3339), link)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// printSetupLinks prints a one-time owner setup link for every tenant whose
// owners cannot sign in to the portal yet, and names the command that makes
// an owner for a tenant that has none.
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
		fmt.Fprintf(a.stderr, "No owner of tenant %s can sign in to the portal yet. One-time setup link for %s, valid until %s:\n  %s\n"+
			"(for a new link later: deadbolt member invite --tenant %s --email %s)\n",
			t.Name, inv.Member.Email, inv.Invite.ExpiresAt.Format(time.RFC3339), portal.SetupURL(a.cfg.EffectivePublicURL(), inv.Secret),
			t.Name, inv.Member.Email)
	}
	orphans, err := svc.TenantsWithoutOwner(cmd.Context())
	if err != nil {
		return err
	}
	for _, t := range orphans {
		fmt.Fprintf(a.stderr, "Tenant %s has no owner, so nobody can sign in to its portal. Make one (it prints their setup link):\n"+
			"  deadbolt member invite --tenant %s --email YOU@EXAMPLE.COM --role owner\n", t.Name, t.Name)
	}
	return nil
}
