package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (a *app) accountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Enroll, lock, unlock and inspect protected accounts",
		Long: `A protected account is an account name (the "sub" of the application's
lock-check tokens, usually its login name) at an application. Enrolled
accounts are locked unless unlocked: for a time, or for the next sign-in only.`,
	}
	var appRef, name string
	addTarget := func(c *cobra.Command) {
		c.Flags().StringVar(&appRef, "app", "", "application id or issuer (required)")
		c.Flags().StringVar(&name, "account", "", "account name, as the token's sub (required)")
		must(c, "app", "account")
	}

	var owner string
	enroll := &cobra.Command{
		Use:     "enroll",
		Short:   "Protect an account (it starts locked)",
		Example: `  deadbolt account enroll --app https://wiki.acme.test --account alice --owner alice@acme.test`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, app, err := a.accessToApp(ctx, appRef)
			if err != nil {
				return err
			}
			acct, err := svc.Enroll(ctx, actor(), app, name, owner)
			if err != nil {
				return err
			}
			return a.print(map[string]any{"id": acct.ID, "account": acct.Name, "app_id": app.ID, "owner_id": acct.OwnerID, "locked": true},
				"account %s enrolled at %s; it is locked\n", acct.Name, app.Issuer)
		},
	}
	addTarget(enroll)
	enroll.Flags().StringVar(&owner, "owner", "", "email of the member who owns the account (created if new)")

	lockCmd := &cobra.Command{
		Use:     "lock",
		Short:   "Lock an account now (revokes its unlock)",
		Example: `  deadbolt account lock --app https://wiki.acme.test --account alice`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, app, err := a.accessToApp(ctx, appRef)
			if err != nil {
				return err
			}
			revoked, err := svc.Lock(ctx, actor(), app, name)
			if err != nil {
				return err
			}
			text := "account %s at %s locked\n"
			if !revoked {
				text = "account %s at %s was already locked\n"
			}
			return a.print(map[string]any{"account": name, "app_id": app.ID, "locked": true, "changed": revoked}, text, name, app.Issuer)
		},
	}
	addTarget(lockCmd)

	var forD time.Duration
	var once bool
	var reason string
	unlock := &cobra.Command{
		Use:   "unlock",
		Short: "Unlock an account for a time, or for the next sign-in only",
		Long: `Unlock an account. The clock starts now; the account locks again by itself
when the time is up. Without --for the application's default unlock time
applies; --for may not exceed the application's maximum. With --once the
account opens for the next successful check only (within the time).
A new unlock replaces the previous one.`,
		Example: `  deadbolt account unlock --app https://wiki.acme.test --account alice --for 15m
  deadbolt account unlock --app https://wiki.acme.test --account alice --once`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, app, err := a.accessToApp(ctx, appRef)
			if err != nil {
				return err
			}
			g, err := svc.Unlock(ctx, actor(), app, name, access.Unlock{For: forD, Once: once, Reason: reason})
			if err != nil {
				return err
			}
			what := "until " + g.Until.Format(time.RFC3339)
			if g.Once {
				what = "for the next sign-in, " + what
			}
			return a.print(map[string]any{"account": name, "app_id": app.ID, "locked": false, "until": g.Until.Format(time.RFC3339Nano), "once": g.Once, "grant_id": g.ID},
				"account %s at %s unlocked %s\n", name, app.Issuer, what)
		},
	}
	addTarget(unlock)
	durationFlag(unlock.Flags(), &forD, "for", 0, "how long to stay unlocked, e.g. 15m or 2h (default: the application's default)")
	unlock.Flags().BoolVar(&once, "once", false, "unlock for the next successful sign-in only")
	unlock.Flags().StringVar(&reason, "reason", "", "why, for the audit trail")

	status := &cobra.Command{
		Use:   "status",
		Short: "Show whether an account is locked, and why",
		Long: `Show what a lock check would answer for the account now, without consuming a
once-unlock or writing to the check log.`,
		Example: `  deadbolt account status --app https://wiki.acme.test --account alice --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			app, err := a.findApp(ctx, appRef)
			if err != nil {
				return err
			}
			st, err := a.store.CheckState(ctx, app.ID, name)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			// The tenant's policies as stored; a sign-in's address is not
			// known here, so a context rule is named, not decided.
			d, err := check.New(check.Deps{Store: a.store, Clock: clock.Real{},
				Policies: check.Policies{Sets: admin.PolicySets{Store: a.store, Clock: clock.Real{}}}}).Status(ctx, app, st, now)
			if err != nil {
				return err
			}
			out := map[string]any{"locked": d.Locked, "status": d.Status, "message": lock.Message(d.Status, d.Locked),
				"account": name, "app_id": app.ID, "enrolled": st.Found}
			if d.Reason != "" {
				out["reason"] = d.Reason
			}
			text := fmt.Sprintf("%s at %s: %s (%s)\n", name, app.Issuer, lockWord(d.Locked), d.Status)
			if d.AddressPolicy != "" {
				out["depends_on_address"] = map[string]any{"policy": d.AddressPolicy, "without_address": d.AddressReason}
				text += fmt.Sprintf("this is for a sign-in from an address that context policy %s allows; from elsewhere: locked (denied_by_policy)\n", d.AddressPolicy)
			}
			if st.Grant != nil && st.Grant.Usable(now) && !d.Locked {
				out["until"] = st.Grant.Until.Format(time.RFC3339Nano)
				out["once"] = st.Grant.Once
				text += fmt.Sprintf("unlocked until %s (%s left)", st.Grant.Until.Format(time.RFC3339), st.Grant.Until.Sub(now).Round(time.Second))
				if st.Grant.Once {
					text += ", for the next sign-in only"
				}
				text += "\n"
			}
			if st.Owner != nil {
				out["owner"] = st.Owner.Email
			}
			return a.print(out, "%s", text)
		},
	}
	addTarget(status)

	var after string
	var limit int
	list := a.appListCmd("List an application's protected accounts", func(ctx context.Context, app store.Application) error {
		accts, err := a.store.Accounts(ctx, app.ID, after, limit)
		if err != nil {
			return err
		}
		total, err := a.store.CountAccounts(ctx, app.ID)
		if err != nil {
			return err
		}
		out, text := []map[string]any{}, ""
		for _, ac := range accts {
			out = append(out, map[string]any{"id": ac.ID, "account": ac.Name, "owner_id": ac.OwnerID})
			text += ac.Name + "\n"
		}
		return a.print(map[string]any{"accounts": out, "total": total}, "%s(%d of %d)\n", text, len(accts), total)
	})
	list.Flags().StringVar(&after, "after", "", "start after this account name (paging)")
	list.Flags().IntVar(&limit, "limit", 100, "at most this many")

	var leTenant, leOwner string
	var lift bool
	lockAll := &cobra.Command{
		Use:   "lock-everything",
		Short: "Hard-lock every account a member owns (or lift it)",
		Long: `Set a member's "lock everything": every account they own is locked and no
unlock opens it until the lock is lifted with --lift. Lifting it opens
nothing by itself.`,
		Example: `  deadbolt account lock-everything --tenant acme --owner alice@acme.test
  deadbolt account lock-everything --tenant acme --owner alice@acme.test --lift`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			_, t, err := a.adminOfTenant(ctx, leTenant, false)
			if err != nil {
				return err
			}
			m, err := a.store.MemberByEmail(ctx, t.ID, leOwner)
			if err != nil {
				return fmt.Errorf("member %s: %w", leOwner, err)
			}
			svc, _ := a.access(ctx)
			if m, err = svc.LockEverything(ctx, actor(), m.ID, !lift); err != nil {
				return err
			}
			text := "everything %s owns is locked\n"
			if lift {
				text = "lock everything lifted for %s (accounts stay locked until unlocked)\n"
			}
			return a.print(map[string]any{"member_id": m.ID, "email": m.Email, "lock_everything": m.LockAll}, text, m.Email)
		},
	}
	lockAll.Flags().StringVar(&leTenant, "tenant", "", "tenant name or id (required)")
	lockAll.Flags().StringVar(&leOwner, "owner", "", "the member's email (required)")
	lockAll.Flags().BoolVar(&lift, "lift", false, "lift the lock instead of setting it")
	must(lockAll, "tenant", "owner")

	cmd.AddCommand(enroll, lockCmd, unlock, status, list, lockAll)
	return cmd
}

func lockWord(locked bool) string {
	if locked {
		return "locked"
	}
	return "unlocked"
}
