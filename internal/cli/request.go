package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// approvals returns the approval service on the command's store.
func (a *app) approvals(ctx context.Context) (*approval.Service, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	channels := a.memberChannels()
	if a.cfg.Slack.Enabled() { // approvers who linked Slack are asked there too; the server's outbox carries it
		channels = append(channels, store.ChannelSlack)
	}
	return &approval.Service{Store: s, Clock: clock.Real{}, Notify: channels}, nil
}

// onBehalf resolves the application and the member (--as) a command acts
// for.
func (a *app) onBehalf(ctx context.Context, appRef, as string) (*approval.Service, store.Application, store.Member, error) {
	app, err := a.findApp(ctx, appRef)
	if err != nil {
		return nil, app, store.Member{}, err
	}
	m, err := a.memberOf(ctx, app.TenantID, as)
	if err != nil {
		return nil, app, m, err
	}
	svc, err := a.approvals(ctx)
	return svc, app, m, err
}

func (a *app) memberOf(ctx context.Context, tenantID, ref string) (store.Member, error) {
	if ref == "" {
		return store.Member{}, usageErr("--as is required: the member (email or id) the command acts for")
	}
	adm, err := a.admin(ctx, false)
	if err != nil {
		return store.Member{}, err
	}
	return adm.Member(ctx, tenantID, ref)
}

func (a *app) requestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Ask for access, and approve or deny access requests (JIT approvals)",
		Long: `Under an approval policy (deadbolt policy create --type approval) an account
opens only when enough approvers approve: its owner asks for access with a
reason and a duration (optionally from a later start), approvers vote, and
the grant starts at the quorum (or at the start, if later). The first
denial denies the request unless the policy says --deny-on quorum; an
unanswered request expires. See docs/approvals.md.

Votes from the CLI are operator actions: the audit log records the operator
(the local user) and the approver named by --as, and they can never satisfy
a policy that requires passkey-signed approvals.`,
	}
	cmd.AddCommand(a.requestCreateCmd(), a.requestListCmd(), a.requestShowCmd(), a.requestVoteCmd(true), a.requestVoteCmd(false))
	return cmd
}

func (a *app) requestCreateCmd() *cobra.Command {
	var appRef, account, as, reason, start string
	var dur time.Duration
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Ask for access to an account ahead of time",
		Example: `  deadbolt request create --app https://bank.acme.test --account treasury --as alice@acme.test \
      --reason "quarter close" --for 2h --start 2026-12-31T08:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, app, m, err := a.onBehalf(cmd.Context(), appRef, as)
			if err != nil {
				return err
			}
			ask := approval.Ask{Reason: reason, For: dur}
			if start != "" {
				if ask.Start, err = time.Parse(time.RFC3339, start); err != nil {
					return usageErr("--start: %q is not an RFC 3339 instant such as 2026-12-31T08:00:00Z", start)
				}
			}
			q, err := svc.Create(cmd.Context(), actor(), m, app, account, ask)
			if err != nil {
				return err
			}
			return a.showRequest(cmd.Context(), svc, app.TenantID, q.ID, "request %s asked: waiting for approvals until %s\n", q.ID, q.ExpiresAt.Format(time.RFC3339))
		},
	}
	cmd.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	cmd.Flags().StringVar(&account, "account", "", "account name (required)")
	cmd.Flags().StringVar(&as, "as", "", "the member asking: the account's owner or an admin, by email or id (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the approvers (required)")
	cmd.Flags().DurationVar(&dur, "for", 0, "how long the account opens once approved (default: the application's default, capped by the policy)")
	cmd.Flags().StringVar(&start, "start", "", "open it no earlier than this instant (RFC 3339); default: at the quorum")
	must(cmd, "app", "account", "as", "reason")
	return cmd
}

func (a *app) requestListCmd() *cobra.Command {
	var as string
	var inbox, mine bool
	cmd := a.tenantCommand(&cobra.Command{
		Use:   "list",
		Short: "List open requests decided by approvals, or one member's inbox or own requests",
		Example: `  deadbolt request list --tenant acme
  deadbolt request list --tenant acme --inbox --as bob@acme.test   # what bob may vote on
  deadbolt request list --tenant acme --mine --as alice@acme.test  # alice's requests and their votes`,
		Args: cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		ctx := cmd.Context()
		svc, err := a.approvals(ctx)
		if err != nil {
			return err
		}
		var items []approval.Item
		switch {
		case inbox && mine:
			return usageErr("--inbox and --mine are two different lists: give one")
		case inbox || mine:
			m, err := a.memberOf(ctx, t.ID, as)
			if err != nil {
				return err
			}
			if inbox {
				items, err = svc.Inbox(ctx, m, 100)
			} else {
				items, err = svc.Mine(ctx, m, 100)
			}
			if err != nil {
				return err
			}
		default:
			if items, err = svc.Pending(ctx, t.ID, 100); err != nil {
				return err
			}
		}
		return printList(a, "requests", items, itemJSON, itemLine)
	})
	cmd.Flags().StringVar(&as, "as", "", "the member, by email or id (with --inbox or --mine)")
	cmd.Flags().BoolVar(&inbox, "inbox", false, "the open requests the member may vote on")
	cmd.Flags().BoolVar(&mine, "mine", false, "the requests the member asked for")
	return cmd
}

func (a *app) requestShowCmd() *cobra.Command {
	return a.tenantCommand(&cobra.Command{
		Use:     "show ID",
		Short:   "Show a request with its rule and votes so far",
		Example: `  deadbolt request show --tenant acme req-0123456789abcdef --json`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		svc, err := a.approvals(cmd.Context())
		if err != nil {
			return err
		}
		return a.showRequest(cmd.Context(), svc, t.ID, args[0], "")
	})
}

func (a *app) requestVoteCmd(approve bool) *cobra.Command {
	var as, comment string
	cmd := &cobra.Command{
		Use:     "approve ID",
		Short:   "Approve a request as one of its approvers (an audited operator action)",
		Example: `  deadbolt request approve --tenant acme req-0123456789abcdef --as bob@acme.test --comment "checked with Alice"`,
		Args:    cobra.ExactArgs(1),
	}
	if !approve {
		cmd.Use, cmd.Short = "deny ID", "Deny a request as one of its approvers (an audited operator action)"
		cmd.Example = `  deadbolt request deny --tenant acme req-0123456789abcdef --as bob@acme.test --comment "not this week"`
	}
	a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		ctx := cmd.Context()
		m, err := a.memberOf(ctx, t.ID, as)
		if err != nil {
			return err
		}
		svc, err := a.approvals(ctx)
		if err != nil {
			return err
		}
		out, err := svc.Vote(ctx, approval.Ballot{RequestID: args[0], Voter: m, Approve: approve, Channel: approval.ChannelCLI,
			Actor: actor(), Comment: comment})
		if err != nil {
			return err
		}
		verdict := "vote recorded; the request waits for more votes"
		if out.Decided {
			verdict = "the request is " + out.Request.Status
			if out.Grant != nil {
				verdict += ": the account is open until " + out.Grant.Until.Format(time.RFC3339)
			} else if out.Request.Status == store.RequestApproved {
				verdict += ": the account opens at " + out.Request.StartsAt.Format(time.RFC3339)
			}
		}
		return a.showRequest(ctx, svc, t.ID, args[0], "%s\n", verdict)
	})
	cmd.Flags().StringVar(&as, "as", "", "the approver voting, by email or id (required)")
	cmd.Flags().StringVar(&comment, "comment", "", "a note kept with the vote")
	must(cmd, "as")
	return cmd
}

// showRequest prints one request (after a first line, when given).
func (a *app) showRequest(ctx context.Context, svc *approval.Service, tenantID, id, first string, args ...any) error {
	it, err := svc.Show(ctx, tenantID, id, store.Member{})
	if err != nil {
		return err
	}
	text := fmt.Sprintf(first, args...) + itemLine(it)
	for _, v := range it.Votes {
		text += fmt.Sprintf("  %s\t%s\tby %s via %s%s\t%s\n", v.At.Format(time.RFC3339), v.Decision, v.MemberID, v.Channel, signed(v), v.Comment)
	}
	return a.print(itemJSON(it), "%s", text)
}

func signed(v store.Vote) string {
	if v.Evidence != "" {
		return " (signed)"
	}
	return ""
}

func itemLine(it approval.Item) string {
	q := it.Request
	who := "a blocked sign-in"
	if it.Requester != nil {
		who = it.Requester.Email
	}
	return fmt.Sprintf("%s\t%s\t%s at %s\t%s by %s\t%d of %d approvals\texpires %s\t%s\n", q.ID, q.Status, it.Account.Name, it.App.Issuer,
		kindOf(q), who, it.Approvals, it.Rule.Required, q.ExpiresAt.Format(time.RFC3339), strings.TrimSpace(q.Reason))
}

func kindOf(q store.UnlockRequest) string {
	if q.Kind == "" {
		return store.RequestSignin
	}
	return q.Kind
}

func itemJSON(it approval.Item) map[string]any {
	q := it.Request
	votes := []map[string]any{}
	for _, v := range it.Votes {
		votes = append(votes, map[string]any{"member_id": v.MemberID, "decision": v.Decision, "channel": v.Channel,
			"actor": v.Actor, "comment": v.Comment, "signed": v.Evidence != "", "at": v.At})
	}
	out := map[string]any{"id": q.ID, "status": q.Status, "kind": kindOf(q), "account": it.Account.Name,
		"application": it.App.Issuer, "reason": q.Reason, "duration_seconds": int64(q.Duration / time.Second),
		"expires": q.ExpiresAt, "policy": it.PolicyID, "required": it.Rule.Required, "approvals": it.Approvals,
		"sign": it.Rule.Sign, "approvers": it.Approvers, "votes": votes, "grant": q.GrantID}
	if it.Requester != nil {
		out["requester"] = it.Requester.Email
	}
	if !q.StartsAt.IsZero() {
		out["starts"] = q.StartsAt
	}
	if q.ExtendsGrant != "" {
		out["extends_grant"] = q.ExtendsGrant
	}
	return out
}

func (a *app) grantCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grant",
		Short: "Extend or revoke an account's open grant (JIT approvals)",
		Long: `An extension is asked like any access request and goes through the same
approvals; once approved, the grant's end moves by the asked duration. A
revocation closes the account at once, and webhooks (IAM and other push
receivers) are told; an admin or an approver of the account revokes.`,
	}
	var appRef, account, as, reason string
	var dur time.Duration
	extend := &cobra.Command{
		Use:     "extend",
		Short:   "Ask to extend an open grant (approvers decide)",
		Example: `  deadbolt grant extend --app https://bank.acme.test --account treasury --as alice@acme.test --for 30m --reason "still reconciling"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, app, m, err := a.onBehalf(cmd.Context(), appRef, as)
			if err != nil {
				return err
			}
			q, err := svc.Extend(cmd.Context(), actor(), m, app, account, approval.Ask{Reason: reason, For: dur})
			if err != nil {
				return err
			}
			return a.showRequest(cmd.Context(), svc, app.TenantID, q.ID, "extension %s asked: waiting for approvals until %s\n", q.ID, q.ExpiresAt.Format(time.RFC3339))
		},
	}
	revoke := &cobra.Command{
		Use:     "revoke",
		Short:   "Close an account's open grant now (admin or approver)",
		Example: `  deadbolt grant revoke --app https://bank.acme.test --account treasury --as bob@acme.test --reason "done early"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, app, m, err := a.onBehalf(cmd.Context(), appRef, as)
			if err != nil {
				return err
			}
			ok, err := svc.Revoke(cmd.Context(), actor(), m, app, account, reason)
			if err != nil {
				return err
			}
			text := "account %s locked: its grant is revoked\n"
			if !ok {
				text = "account %s had no open grant: nothing changed\n"
			}
			return a.print(map[string]any{"account": account, "application": app.Issuer, "revoked": ok}, text, account)
		},
	}
	for _, c := range []*cobra.Command{extend, revoke} {
		c.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
		c.Flags().StringVar(&account, "account", "", "account name (required)")
		c.Flags().StringVar(&as, "as", "", "the member acting, by email or id (required)")
		c.Flags().StringVar(&reason, "reason", "", "why")
		must(c, "app", "account", "as")
	}
	extend.Flags().DurationVar(&dur, "for", 0, "how much longer (default: the application's default, capped by the policy)")
	must(extend, "reason", "for")
	cmd.AddCommand(extend, revoke)
	return cmd
}
