package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func templateJSON(t store.Template) map[string]any {
	return map[string]any{"id": t.ID, "key": t.Key, "title": t.Title, "text": t.Text, "approvers": t.Approvers,
		"approver_groups": t.ApproverGroups, "mode": t.Mode, "approvals": t.Approvals, "deny_on": t.DenyOn,
		"expiry": t.Expiry.String(), "created_at": t.CreatedAt.Format(time.RFC3339)}
}

func (a *app) templateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Manage templates of approval requests for any operation (a payment, a deployment)",
		Long: `A template is what an application names (templateId) when it asks its
users' approvers to approve an operation that is not an unlock, through
POST /nl3/api/v1/approvalRequest. Its key is the name applications use
(PURCHASE_APPROVAL); its text may hold ${key} placeholders, filled from the
request's metaData. Its approvers (members, by email) and approver groups
(by name) decide the requests made from it; a request that names approvers
narrows them to those it names. --approvals K approvals decide a request,
the first denial denies it (--deny-on quorum: once K approvals can no longer
come), and it expires after --expiry (default 24h). With --mode
sign_and_approve every vote must be signed with a passkey in the portal.
Every change is recorded in the audit log.`,
	}
	var key, title, text, mode, denyOn string
	var approvers, groups []string
	var approvals int
	var expiry time.Duration
	create := a.tenantCommand(&cobra.Command{
		Use:   "create",
		Short: "Create a template",
		Example: `  deadbolt template create --tenant acme --key PURCHASE_APPROVAL --title "Purchase" \
      --text 'Buy ${item} for ${amount}' --approver cfo@acme.test --approver-group finance --approvals 2`,
		Args: cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		tp, err := adm.CreateTemplate(cmd.Context(), actor(), t.ID, admin.NewTemplate{Key: key, Title: title, Text: text,
			Approvers: approvers, ApproverGroups: groups, Mode: mode, Approvals: approvals, DenyOn: denyOn, Expiry: expiry})
		if err != nil {
			return err
		}
		return a.print(templateJSON(tp), "template %s created (%s)\n", tp.Key, tp.ID)
	})
	f := create.Flags()
	f.StringVar(&key, "key", "", "the key applications name, e.g. PURCHASE_APPROVAL (required)")
	f.StringVar(&title, "title", "", "title approvers see (required)")
	f.StringVar(&text, "text", "", "text approvers see, with ${key} placeholders from the request's metaData")
	f.StringArrayVar(&approvers, "approver", nil, "a default approver's email (repeatable)")
	f.StringArrayVar(&groups, "approver-group", nil, "a default approver group's name (repeatable)")
	f.StringVar(&mode, "mode", store.ModeApprove, "approve, or sign_and_approve (passkey-signed approvals)")
	f.IntVar(&approvals, "approvals", 1, "how many approvals decide a request (K)")
	f.StringVar(&denyOn, "deny-on", store.DenyFirst, "first (the first denial denies) or quorum (denied once K approvals can no longer come)")
	f.DurationVar(&expiry, "expiry", 0, "how long a request stays open (0: 24h)")
	must(create, "key", "title")

	list := a.tenantCommand(&cobra.Command{
		Use:     "list",
		Short:   "List templates",
		Example: `  deadbolt template list --tenant acme --json`,
		Args:    cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		ts, err := adm.Templates(cmd.Context(), t.ID)
		if err != nil {
			return err
		}
		return printList(a, "templates", ts, templateJSON, func(t store.Template) string {
			return fmt.Sprintf("%s  %q  %s  %d of approvers %d, groups %d\n", t.Key, t.Title, t.Mode, t.Approvals, len(t.Approvers), len(t.ApproverGroups))
		})
	})

	del := a.tenantCommand(&cobra.Command{
		Use:     "delete KEY",
		Short:   "Delete a template",
		Example: `  deadbolt template delete --tenant acme PURCHASE_APPROVAL`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		k := strings.TrimSpace(args[0])
		if err := adm.DeleteTemplate(cmd.Context(), actor(), t.ID, k); err != nil {
			return err
		}
		return a.print(map[string]any{"key": k, "deleted": true}, "template %s deleted\n", k)
	})
	cmd.AddCommand(create, list, del)
	return cmd
}
