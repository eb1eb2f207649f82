package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// tenantCommand completes cmd as a command on one tenant's records: it
// takes the required --tenant flag, and its run gets the admin service and
// the tenant.
func (a *app) tenantCommand(cmd *cobra.Command, run func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error) *cobra.Command {
	var tenant string
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant name or id (required)")
	must(cmd, "tenant")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		adm, t, err := a.adminOfTenant(cmd.Context(), tenant, false)
		if err != nil {
			return err
		}
		return run(cmd, adm, t, args)
	}
	return cmd
}

func emails(members []store.Member) []string {
	out := []string{}
	for _, m := range members {
		out = append(out, m.Email)
	}
	return out
}

func groupJSON(g store.Group, members []store.Member) map[string]any {
	return map[string]any{"id": g.ID, "tenant_id": g.TenantID, "name": g.Name, "description": g.Description,
		"members": emails(members), "created_at": g.CreatedAt.Format(time.RFC3339)}
}

func (a *app) groupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group",
		Short: "Manage groups of members, to which policies are assigned",
		Long: `A group is a named set of members (people) of a tenant. A policy assigned to
a group applies to every account owned by one of its members (see
'deadbolt policy assign' and docs/policies.md). Every change is recorded in
the audit log.`,
	}
	var description string
	create := a.tenantCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create a group",
		Example: `  deadbolt group create --tenant acme finance
  deadbolt group create --tenant acme --description "Accounts payable" finance --json`,
		Args: cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		g, err := adm.CreateGroup(cmd.Context(), actor(), t.ID, args[0], description)
		if err != nil {
			return err
		}
		return a.print(groupJSON(g, nil), "group %s created (%s)\n", g.Name, g.ID)
	})
	create.Flags().StringVar(&description, "description", "", "what the group is for")

	list := a.tenantCommand(&cobra.Command{
		Use:     "list",
		Short:   "List groups with their members",
		Example: `  deadbolt group list --tenant acme`,
		Args:    cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		groups, err := adm.Groups(cmd.Context(), t.ID)
		if err != nil {
			return err
		}
		return printList(a, "groups", groups,
			func(g admin.GroupInfo) map[string]any { return groupJSON(g.Group, g.Members) },
			func(g admin.GroupInfo) string {
				return fmt.Sprintf("%s\t%s\t%d members: %s\n", g.Name, g.ID, len(g.Members), strings.Join(emails(g.Members), ", "))
			})
	})

	del := a.tenantCommand(&cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a group (its members stay; policies assigned to it stop applying through it)",
		Example: `  deadbolt group delete --tenant acme finance`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		g, err := adm.DeleteGroup(cmd.Context(), actor(), t.ID, args[0])
		if err != nil {
			return err
		}
		return a.print(map[string]any{"id": g.ID, "name": g.Name, "deleted": true}, "group %s deleted\n", g.Name)
	})

	cmd.AddCommand(create, list, del, a.groupMemberCmd(true), a.groupMemberCmd(false))
	return cmd
}

// groupMemberCmd is `group add` (add) or `group remove`.
func (a *app) groupMemberCmd(add bool) *cobra.Command {
	var group, member string
	cmd := &cobra.Command{
		Use:     "add",
		Short:   "Add a member to a group",
		Example: `  deadbolt group add --tenant acme --group finance --member alice@acme.test`,
		Args:    cobra.NoArgs,
	}
	if !add {
		cmd.Use, cmd.Short = "remove", "Remove a member from a group"
		cmd.Example = `  deadbolt group remove --tenant acme --group finance --member alice@acme.test`
	}
	a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		change, verb := adm.AddToGroup, "added to"
		if !add {
			change, verb = adm.RemoveFromGroup, "removed from"
		}
		g, m, err := change(cmd.Context(), actor(), t.ID, group, member)
		if err != nil {
			return err
		}
		return a.print(map[string]any{"group": g.Name, "group_id": g.ID, "member": m.Email, "member_id": m.ID, "added": add},
			"%s %s group %s\n", m.Email, verb, g.Name)
	})
	cmd.Flags().StringVar(&group, "group", "", "group name or id (required)")
	cmd.Flags().StringVar(&member, "member", "", "member email or id (required)")
	must(cmd, "group", "member")
	return cmd
}
