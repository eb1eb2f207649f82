package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) policyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Manage JIT policies: schedules, network and country rules, alerts",
		Long: `A policy hard-locks accounts (action lock), opens them without a grant
(unlock), or limits when their owners may unlock (allow_unlock), while it is
active. Scheduled policies are active while a window of their schedule is
open; context policies refuse sign-ins from outside allowed networks and
countries; alert policies act when executed. A policy applies to the accounts
of the applications, groups and members it is assigned to: a new policy
applies to nothing until 'deadbolt policy assign'. See docs/policies.md for
the kinds, precedence and time zones. Every change is recorded in the audit
log.`,
	}
	cmd.AddCommand(a.policyCreateCmd(), a.policyListCmd(), a.policyShowCmd(), a.policyDeleteCmd(),
		a.policyEnableCmd(true), a.policyEnableCmd(false), a.policyAssignCmd(true), a.policyAssignCmd(false),
		a.policyExplainCmd(), a.policyExecuteCmd(), a.policyLiftCmd())
	return cmd
}

func (a *app) policyExecuteCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "execute ID|NAME",
		Short: "Run an alert policy now, as a SIEM or EDR tool would on an incident",
		Long: `Run an alert policy now: its action (lock, unlock or allow_unlock) applies at
once to every account it is assigned to (through its applications, groups
and members), for the policy's --for or, without one, until
'deadbolt policy lift'. The policy must be enabled and created with
--on execute. When it notifies webhooks, each affected account is announced
(account.locked or account.unlocked). The execution is audited.`,
		Example: `  deadbolt policy execute --tenant acme "SIEM incident" --reason "ticket INC-4411"`,
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit log")
	return a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		e, err := adm.ExecutePolicy(cmd.Context(), actor(), t.ID, args[0], policy.OnExecute, reason)
		if err != nil {
			return err
		}
		until := "until lifted"
		if !e.Until.IsZero() {
			until = "until " + e.Until.UTC().Format(time.RFC3339)
		}
		return a.print(map[string]any{"execution": e.ID, "policy": e.PolicyID, "at": e.At, "until": e.Until, "reason": e.Reason},
			"executed policy %s (execution %s), in force %s", e.PolicyID, e.ID, until)
	})
}

func (a *app) policyLiftCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lift ID|NAME",
		Short: "End an alert policy's executions that are in force",
		Long: `End every execution of an alert policy that is in force now: the accounts go
back to what their other rules say. Only a policy created with --liftable
can be lifted. The lift is audited.`,
		Example: `  deadbolt policy lift --tenant acme "SIEM incident"`,
		Args:    cobra.ExactArgs(1),
	}
	return a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		n, err := adm.LiftPolicy(cmd.Context(), actor(), t.ID, args[0])
		if err != nil {
			return err
		}
		return a.print(map[string]any{"policy": args[0], "lifted": n}, "lifted %d execution(s) of policy %s", n, args[0])
	})
}

// policyFlags are the flags of `policy create`.
type policyFlags struct {
	tenant, name, typ, action string
	disabled                  bool
	activeFrom, activeUntil   string
	tz, every, days, monthDay string
	from, to, start, end      string
	cidrs, countries          []string
	onUnknown                 string
	on, notify                []string
	dur                       time.Duration
	liftable                  bool
	// approval
	required                  int
	approverGroups, approvers []string
	ownerCounts, denyOn       string
	allowSelf, sign           bool
	maxDuration, expiry       time.Duration
}

func (f *policyFlags) define(fs *pflag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the policy's name, unique in the tenant (required)")
	fs.StringVar(&f.typ, "type", "", "scheduled, context, alert or approval (required)")
	fs.StringVar(&f.action, "action", "", "lock, unlock or allow_unlock (context policies: lock, the default; approval policies: none)")
	fs.BoolVar(&f.disabled, "disabled", false, "create it disabled (enable it later with deadbolt policy enable)")
	fs.StringVar(&f.activeFrom, "active-from", "", "in force from this instant (RFC 3339, e.g. 2026-12-01T00:00:00Z)")
	fs.StringVar(&f.activeUntil, "active-until", "", "in force until this instant (RFC 3339)")
	fs.StringVar(&f.tz, "tz", "", "scheduled: IANA time zone of the window, e.g. Europe/Lisbon")
	fs.StringVar(&f.every, "every", "", "scheduled: daily, weekdays, weekly, biweekly, monthly or annually")
	fs.StringVar(&f.days, "days", "", "scheduled weekly/biweekly: weekdays, e.g. mon,wed,fri (default: the start date's)")
	fs.StringVar(&f.monthDay, "month-day", "", "scheduled monthly: 1 to 31, or last (default: the start date's day)")
	fs.StringVar(&f.from, "from", "", "scheduled: window start, e.g. 09:00")
	fs.StringVar(&f.to, "to", "", "scheduled: window end, e.g. 17:00 (at or before --from: ends the next day; 24:00 allowed)")
	fs.StringVar(&f.start, "start", "", "scheduled: first day a window may open, e.g. 2026-12-01")
	fs.StringVar(&f.end, "end", "", "scheduled: last day a window may open (default: none)")
	fs.StringSliceVar(&f.cidrs, "allow-cidr", nil, "context: allowed networks, e.g. 10.0.0.0/8,2001:db8::/32")
	fs.StringSliceVar(&f.countries, "allow-country", nil, "context: allowed countries (ISO 3166-1 alpha-2), e.g. PT,ES")
	fs.StringVar(&f.onUnknown, "on-unknown", "", "context: deny (default) or allow when the rule cannot tell (no IP, no GeoIP database)")
	fs.StringSliceVar(&f.on, "on", nil, "alert: blocked_signin, unlock_outside_window and/or execute")
	fs.StringSliceVar(&f.notify, "notify", nil, "alert: owner, admins and/or webhooks")
	fs.DurationVar(&f.dur, "for", 0, "alert: how long an execution's action lasts, e.g. 24h (0: until lifted; needs --liftable)")
	fs.BoolVar(&f.liftable, "liftable", false, "alert: an execution may be lifted before it ends")
	fs.IntVar(&f.required, "approvals", 0, "approval: how many approvals open an account (K)")
	fs.StringSliceVar(&f.approverGroups, "approver-group", nil, "approval: groups whose members approve (names or ids)")
	fs.StringSliceVar(&f.approvers, "approver", nil, "approval: members who approve (emails or ids)")
	fs.StringVar(&f.ownerCounts, "owner-counts", "no", "approval: yes: the account's owner is one of the approvers; no: only the others decide")
	fs.BoolVar(&f.allowSelf, "allow-self", false, "approval: the member who asked may approve their own request")
	fs.BoolVar(&f.sign, "sign", false, "approval: every approval must be signed with the approver's passkey (in the portal)")
	fs.StringVar(&f.denyOn, "deny-on", "first", "approval: first (the first denial denies) or quorum (denied once approvals cannot reach K)")
	fs.DurationVar(&f.maxDuration, "max-duration", 0, "approval: the longest grant an approval makes, e.g. 2h (0: the application's maximum)")
	fs.DurationVar(&f.expiry, "expiry", 0, "approval: how long a request waits for its decision (default 1h)")
}

// approvalRule builds the approval rule of the flags, with approver
// groups and members found in the tenant.
func (f *policyFlags) approvalRule(ctx context.Context, adm *admin.Service, tenantID string) (*policy.ApprovalRule, error) {
	r := &policy.ApprovalRule{Required: f.required, AllowSelf: f.allowSelf, Sign: f.sign, DenyOn: policy.DenyOn(f.denyOn),
		MaxDuration: f.maxDuration, Expiry: f.expiry}
	switch f.ownerCounts {
	case "yes":
		r.OwnerCounts = true
	case "no":
	default:
		return nil, usageErr("--owner-counts: %q is not yes or no", f.ownerCounts)
	}
	for _, ref := range f.approverGroups {
		g, err := adm.Group(ctx, tenantID, ref)
		if err != nil {
			return nil, fmt.Errorf("--approver-group %s: %w", ref, err)
		}
		r.Groups = append(r.Groups, g.ID)
	}
	for _, ref := range f.approvers {
		m, err := adm.Member(ctx, tenantID, ref)
		if err != nil {
			return nil, fmt.Errorf("--approver %s: %w", ref, err)
		}
		r.Members = append(r.Members, m.ID)
	}
	return r, nil
}

// policy builds the policy the flags describe. Flags of another type's
// rule are refused by policy validation, naming the rule.
func (f *policyFlags) policy(fs *pflag.FlagSet) (policy.Policy, error) {
	p := policy.Policy{Name: f.name, Type: policy.Type(f.typ), Action: policy.Action(f.action), Enabled: !f.disabled,
		OnUnknown: policy.OnUnknown(f.onUnknown)}
	if p.Type == policy.Context && p.Action == "" {
		p.Action = policy.Lock
	}
	var errs []error
	instant := func(flag, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %q is not an RFC 3339 instant such as 2026-12-01T00:00:00Z", flag, v))
		}
		return t.UTC()
	}
	p.ActiveFrom, p.ActiveUntil = instant("active-from", f.activeFrom), instant("active-until", f.activeUntil)
	if anyChanged(fs, "tz", "every", "days", "month-day", "from", "to", "start", "end") {
		s := &policy.Schedule{Zone: f.tz, Every: policy.Frequency(f.every)}
		parse := func(flag, v string, fn func(string) error) {
			if v == "" {
				return
			}
			if err := fn(v); err != nil {
				errs = append(errs, fmt.Errorf("--%s: %v", flag, err))
			}
		}
		parse("days", f.days, func(v string) (err error) { s.Days, err = policy.ParseDays(v); return })
		parse("month-day", f.monthDay, func(v string) (err error) { s.MonthDay, err = policy.ParseMonthDay(v); return })
		parse("from", f.from, func(v string) (err error) { s.From, err = policy.ParseTimeOfDay(v); return })
		parse("to", f.to, func(v string) (err error) { s.To, err = policy.ParseTimeOfDay(v); return })
		parse("start", f.start, func(v string) (err error) { s.Start, err = policy.ParseDate(v); return })
		parse("end", f.end, func(v string) (err error) { s.End, err = policy.ParseDate(v); return })
		p.Schedule = s
	}
	if anyChanged(fs, "allow-cidr", "allow-country") {
		p.Context = &policy.ContextRule{AllowCIDRs: f.cidrs, AllowCountries: f.countries}
	}
	if anyChanged(fs, "on", "notify", "for", "liftable") {
		r := &policy.AlertRule{For: f.dur, Liftable: f.liftable}
		for _, o := range f.on {
			r.On = append(r.On, policy.Trigger(o))
		}
		for _, n := range f.notify {
			r.Notify = append(r.Notify, policy.Recipient(n))
		}
		p.Alert = r
	}
	if len(errs) > 0 {
		return p, usageErr("%v", errors.Join(errs...))
	}
	return p, nil
}

func anyChanged(fs *pflag.FlagSet, names ...string) bool {
	for _, n := range names {
		if fs.Changed(n) {
			return true
		}
	}
	return false
}

// policyLine is a policy on one line of text.
func policyLine(p policy.Policy) string {
	state := "enabled"
	if !p.Enabled {
		state = "disabled"
	}
	return fmt.Sprintf("%s\t%s\t%s %s\t%s\tassigned to %d applications, %d groups, %d members\n", p.ID, p.Name, p.Type, p.Action,
		state, len(p.Assign.Apps), len(p.Assign.Groups), len(p.Assign.Members))
}

func (a *app) policyCreateCmd() *cobra.Command {
	var f policyFlags
	cmd := a.tenantCommand(&cobra.Command{
		Use:   "create",
		Short: "Create a policy (it applies to nothing until assigned)",
		Long: `Create a policy. Bad input is refused with every problem listed at once, and
nothing is stored. The new policy applies to nothing until you assign it with
'deadbolt policy assign'.`,
		Example: `  # finance accounts open on weekdays 08:00-18:00 Lisbon time
  deadbolt policy create --tenant acme --name "Finance office hours" --type scheduled --action unlock \
      --tz Europe/Lisbon --every weekdays --from 08:00 --to 18:00 --start 2026-12-01

  # only from the office network or Portugal
  deadbolt policy create --tenant acme --name "Office or Portugal" --type context \
      --allow-cidr 10.20.0.0/16 --allow-country PT --on-unknown deny

  # a SIEM may lock the assigned accounts for 24 hours
  deadbolt policy create --tenant acme --name "SIEM incident" --type alert --action lock \
      --on execute --notify owner,admins,webhooks --for 24h --liftable

  # two of the finance approvers, each signing with a passkey, for at most 2 hours
  deadbolt policy create --tenant acme --name "Treasury approvals" --type approval \
      --approvals 2 --approver-group finance --sign --max-duration 2h`,
		Args: cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		p, err := f.policy(cmd.Flags())
		if err != nil {
			return err
		}
		if p.Type == policy.Approval {
			if p.Approval, err = f.approvalRule(cmd.Context(), adm, t.ID); err != nil {
				return err
			}
		} else if anyChanged(cmd.Flags(), "approvals", "approver-group", "approver", "owner-counts", "allow-self", "sign", "deny-on", "max-duration", "expiry") {
			return usageErr("--approvals, --approver-group, --approver, --owner-counts, --allow-self, --sign, --deny-on, --max-duration and --expiry are for --type approval")
		}
		if p, err = adm.CreatePolicy(cmd.Context(), actor(), t.ID, p); err != nil {
			return err
		}
		return a.print(p, "policy %q created: %s\nit applies to nothing until assigned: deadbolt policy assign --tenant %s %s --app APP | --group NAME | --member EMAIL\n",
			p.Name, p.ID, t.Name, p.ID)
	})
	f.define(cmd.Flags())
	must(cmd, "name", "type")
	return cmd
}

func (a *app) policyListCmd() *cobra.Command {
	return a.tenantCommand(&cobra.Command{
		Use:     "list",
		Short:   "List a tenant's policies",
		Example: `  deadbolt policy list --tenant acme`,
		Args:    cobra.NoArgs,
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, _ []string) error {
		ps, err := adm.Policies(cmd.Context(), t.ID)
		if err != nil {
			return err
		}
		return printList(a, "policies", ps, policyJSON, policyLine)
	})
}

// policyJSON is p as its JSON document, with its ID and assignments.
func policyJSON(p policy.Policy) map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "type": p.Type, "action": p.Action, "enabled": p.Enabled, "policy": p}
}

func (a *app) policyShowCmd() *cobra.Command {
	return a.tenantCommand(&cobra.Command{
		Use:     "show ID|NAME",
		Short:   "Show one policy with its rules and assignments",
		Example: `  deadbolt policy show --tenant acme "Finance office hours" --json`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		p, err := adm.Policy(cmd.Context(), t.ID, args[0])
		if err != nil {
			return err
		}
		return a.print(policyJSON(p), "%s", policyLine(p))
	})
}

func (a *app) policyDeleteCmd() *cobra.Command {
	return a.tenantCommand(&cobra.Command{
		Use:     "delete ID|NAME",
		Short:   "Delete a policy with its assignments",
		Example: `  deadbolt policy delete --tenant acme "Office or Portugal"`,
		Args:    cobra.ExactArgs(1),
	}, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		if err := adm.DeletePolicy(cmd.Context(), actor(), t.ID, args[0]); err != nil {
			return err
		}
		return a.print(map[string]any{"policy": args[0], "deleted": true}, "policy %s deleted\n", args[0])
	})
}

// policyEnableCmd is `policy enable` (on) or `policy disable`.
func (a *app) policyEnableCmd(on bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "enable ID|NAME",
		Short:   "Put a disabled policy back in force",
		Example: `  deadbolt policy enable --tenant acme "Finance office hours"`,
		Args:    cobra.ExactArgs(1),
	}
	if !on {
		cmd.Use, cmd.Short = "disable ID|NAME", "Take a policy out of force (it is kept, with its assignments)"
		cmd.Example = `  deadbolt policy disable --tenant acme "Finance office hours"`
	}
	return a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		p, err := adm.SetPolicyEnabled(cmd.Context(), actor(), t.ID, args[0], on)
		if err != nil {
			return err
		}
		return a.print(map[string]any{"id": p.ID, "name": p.Name, "enabled": p.Enabled}, "%s", policyLine(p))
	})
}

// policyAssignCmd is `policy assign` (on) or `policy unassign`.
func (a *app) policyAssignCmd(on bool) *cobra.Command {
	var to admin.Target
	cmd := &cobra.Command{
		Use:   "assign ID|NAME",
		Short: "Apply a policy to an application's accounts, a group's or a member's",
		Example: `  deadbolt policy assign --tenant acme "Finance office hours" --group finance
  deadbolt policy assign --tenant acme "Office or Portugal" --app https://erp.acme.test
  deadbolt policy assign --tenant acme "SIEM incident" --member alice@acme.test`,
		Args: cobra.ExactArgs(1),
	}
	if !on {
		cmd.Use, cmd.Short = "unassign ID|NAME", "Stop applying a policy to an application, group or member"
		cmd.Example = `  deadbolt policy unassign --tenant acme "Finance office hours" --group finance`
	}
	a.tenantCommand(cmd, func(cmd *cobra.Command, adm *admin.Service, t store.Tenant, args []string) error {
		change, verb := adm.Assign, "assigned to"
		if !on {
			change, verb = adm.Unassign, "no longer assigned to"
		}
		what, err := change(cmd.Context(), actor(), t.ID, args[0], to)
		if err != nil {
			return err
		}
		return a.print(map[string]any{"policy": args[0], "target": what, "assigned": on}, "policy %s %s %s\n", args[0], verb, what)
	})
	cmd.Flags().StringVar(&to.App, "app", "", "application id or issuer (one of --app, --group, --member)")
	cmd.Flags().StringVar(&to.Group, "group", "", "group name or id")
	cmd.Flags().StringVar(&to.Member, "member", "", "member email or id")
	return cmd
}

func (a *app) policyExplainCmd() *cobra.Command {
	var appRef, account, atFlag, ipFlag, geoPath string
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Say which policies apply to an account, and which one decides",
		Long: `Explain lists every policy assigned to the account — through its application,
its owner's groups and its owner — step by step as the lock check takes them
(design §3, steps 3 to 5): hard locks, context rules, unlock schedules, and
the owner's permission to unlock. It marks the policies that act (*), says why
and until when, and gives the outcome.

--at explains another instant (default: now). It uses the policies, groups
and assignments as they are today — there is no history of policies — so for
a past instant it answers "what would today's policies have decided then";
alert executions are read as they were then. With --at it also shows the
account's check-log record nearest to that instant (within 5 minutes): what
the check actually answered and which policy decided it then; and it names
every policy changed since, whose form then it cannot show. --ip is the address the sign-in
came from; without it, a context rule decides by its on_unknown. Countries are
looked up in --geoip-db (a MaxMind-format database); without it, a country
rule decides by its on_unknown.`,
		Example: `  deadbolt policy explain --app https://erp.acme.test --account alice
  deadbolt policy explain --app https://erp.acme.test --account alice --at 2026-12-08T03:12:00Z --ip 198.51.100.1 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			at := time.Now().UTC()
			if atFlag != "" {
				t, err := time.Parse(time.RFC3339, atFlag)
				if err != nil {
					return usageErr("--at: %q is not an RFC 3339 instant such as 2026-12-08T03:12:00Z", atFlag)
				}
				at = t.UTC()
			}
			var ip netip.Addr
			if ipFlag != "" {
				var err error
				if ip, err = netip.ParseAddr(ipFlag); err != nil {
					return usageErr("--ip: %q is not an IPv4 or IPv6 address", ipFlag)
				}
			}
			var geo policy.Geo
			if geoPath != "" {
				g, err := policy.OpenGeoIP(geoPath)
				if err != nil {
					return usageErr("--geoip-db: %v", err)
				}
				defer g.Close()
				geo = g
			}
			ctx := cmd.Context()
			app, err := a.findApp(ctx, appRef)
			if err != nil {
				return err
			}
			adm, err := a.admin(ctx, false)
			if err != nil {
				return err
			}
			ex, err := adm.Explain(ctx, app, account, at, ip, geo)
			if err != nil {
				return err
			}
			text := strings.TrimRight(ex.String(), "\n") + "\n"
			if atFlag == "" {
				return a.print(ex, "%s", text)
			}
			// A given instant, likely past: what the check log recorded
			// then, and how today's policies may differ from then's.
			past, err := admin.PastOf(ctx, a.store, app, account, at)
			if err != nil {
				return err
			}
			return a.print(struct {
				policy.Explanation
				admin.Past
			}{ex, past}, "%s%s", text, pastText(past, at))
		},
	}
	cmd.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
	cmd.Flags().StringVar(&account, "account", "", "account name (required)")
	cmd.Flags().StringVar(&atFlag, "at", "", "the instant to explain, RFC 3339 (default: now; uses today's policies, shows the check log's record then)")
	cmd.Flags().StringVar(&ipFlag, "ip", "", "the address the sign-in came from")
	cmd.Flags().StringVar(&geoPath, "geoip-db", "", "MaxMind-format GeoIP database for country rules")
	must(cmd, "app", "account")
	return cmd
}

// pastText words what PastOf found for an explanation of instant at.
func pastText(p admin.Past, at time.Time) string {
	var b strings.Builder
	if r := p.Recorded; r != nil {
		decided := "no policy decided it"
		if r.PolicyID != "" {
			decided = "policy " + r.PolicyID + " decided it"
		}
		fmt.Fprintf(&b, "\nrecorded by the check log at %s (session %s, from %q): %s (%s); %s\n",
			r.At.UTC().Format(time.RFC3339), r.Session, r.IP, lockWord(r.Locked), r.Status, decided)
	} else {
		fmt.Fprintf(&b, "\nno check of this account is in the check log within %s of %s\n", admin.RecordWindow, at.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "policies used: %s\n", p.Policies)
	ids := make([]string, 0, len(p.ChangedSince))
	for id := range p.ChangedSince {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "changed since: policy %s at %s: the explanation shows its present form, not the one in force then\n",
			id, p.ChangedSince[id].UTC().Format(time.RFC3339))
	}
	if len(ids) == 0 {
		b.WriteString("no policy was created or changed since then\n")
	}
	return b.String()
}
