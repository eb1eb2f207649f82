package breakglass

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// DefaultMax caps a break-glass unlock when its mark names no cap.
const DefaultMax = time.Hour

// MaxReason bounds the reason, in bytes.
const MaxReason = 500

// ErrNotMarked: the account is not marked break-glass, itself or through
// a group of its owner.
var ErrNotMarked = fmt.Errorf("%w: the account is not marked break-glass", admin.ErrForbidden)

// Service marks accounts and groups, opens marked accounts, issues
// offline codes and takes their reports. It is safe for concurrent use.
type Service struct {
	Store store.Updater
	Clock clock.Clock
	// Notify lists the member channels this deployment delivers, on which
	// admins are alerted; nil means email and push.
	Notify []string
}

func (s *Service) channels() []string {
	if s.Notify == nil {
		return []string{store.ChannelEmail, store.ChannelPush}
	}
	return s.Notify
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}

// Target names what a mark applies to: an account of an application, or a
// group of members (every account its members own).
type Target struct {
	App     store.Application // with Account
	Account string
	Group   string // a group's name
}

// Mark marks target break-glass with the cap max (zero: DefaultMax).
func (s *Service) Mark(ctx context.Context, actor, tenantID string, t Target, max time.Duration) (store.BreakGlassMark, error) {
	if max == 0 {
		max = DefaultMax
	}
	if max < 0 {
		return store.BreakGlassMark{}, invalid("the cap must be positive")
	}
	if (t.Account == "") == (t.Group == "") {
		return store.BreakGlassMark{}, invalid("mark exactly one account or one group")
	}
	var m store.BreakGlassMark
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		m = store.BreakGlassMark{ID: ids.New(), TenantID: tenantID, MaxUnlock: max, CreatedBy: actor, CreatedAt: now}
		target := ""
		if t.Account != "" {
			a, err := tx.Account(ctx, t.App.ID, t.Account)
			if err != nil {
				return fmt.Errorf("account %q at %s: %w", t.Account, t.App.Issuer, err)
			}
			m.AccountID, target = a.ID, "account:"+a.ID
		} else {
			g, err := tx.GroupByName(ctx, tenantID, t.Group)
			if err != nil {
				return fmt.Errorf("group %q: %w", t.Group, err)
			}
			m.GroupID, target = g.ID, "group:"+g.ID
		}
		if err := tx.MarkBreakGlass(ctx, m); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "breakglass.marked", target,
			map[string]any{"mark": m.ID, "account": t.Account, "group": t.Group, "max": max.String()}, now)
	})
	return m, err
}

// Unmark removes the mark id.
func (s *Service) Unmark(ctx context.Context, actor, tenantID, id string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UnmarkBreakGlass(ctx, tenantID, id); err != nil {
			return fmt.Errorf("break-glass mark %q: %w", id, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "breakglass.unmarked", "breakglass:"+id, nil, s.Clock.Now())
	})
}

// CapReader is what Cap reads: the tenant's marks and group members.
type CapReader interface {
	BreakGlassMarks(ctx context.Context, tenantID string) ([]store.BreakGlassMark, error)
	GroupMembers(ctx context.Context, tenantID string) ([]store.GroupMember, error)
}

// Cap returns the longest break-glass unlock of account a: the cap of the
// marks that apply to it (the smallest, when several do), or
// ErrNotMarked. The portal shows the break-glass form by it.
func Cap(ctx context.Context, r CapReader, a store.Account) (time.Duration, error) {
	return capOf(ctx, r, a)
}

// capOf returns the cap of the marks that apply to account a (the
// smallest, when several do), or ErrNotMarked.
func capOf(ctx context.Context, r CapReader, a store.Account) (time.Duration, error) {
	marks, err := r.BreakGlassMarks(ctx, a.TenantID)
	if err != nil {
		return 0, err
	}
	var groups []string
	if a.OwnerID != "" {
		ms, err := r.GroupMembers(ctx, a.TenantID)
		if err != nil {
			return 0, err
		}
		for _, gm := range ms {
			if gm.MemberID == a.OwnerID {
				groups = append(groups, gm.GroupID)
			}
		}
	}
	var max time.Duration
	for _, m := range marks {
		if m.AccountID == a.ID || (m.GroupID != "" && slices.Contains(groups, m.GroupID)) {
			if max == 0 || m.MaxUnlock < max {
				max = m.MaxUnlock
			}
		}
	}
	if max == 0 {
		return 0, ErrNotMarked
	}
	return max, nil
}

// By is who breaks the glass: a member of the tenant (MemberID and Role),
// or an operator at the command line (Operator), who counts as an admin.
type By struct {
	Actor    string // as the audit names them
	MemberID string
	Role     string
	Operator bool
}

func (b By) admin() bool {
	return b.Operator || b.Role == store.RoleOwner || b.Role == store.RoleAdmin
}

// Unlock opens account name at app by break-glass for d (zero: the cap),
// with reason, which is required. Only the account's owner or an admin may;
// the account must be marked. It returns the grant.
func (s *Service) Unlock(ctx context.Context, by By, app store.Application, name, reason string, d time.Duration) (store.Grant, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return store.Grant{}, invalid("a break-glass unlock needs a reason")
	case len(reason) > MaxReason:
		return store.Grant{}, invalid("the reason is longer than %d bytes", MaxReason)
	case d < 0:
		return store.Grant{}, invalid("the duration must be positive")
	}
	var g store.Grant
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		if !by.admin() && (by.MemberID == "" || by.MemberID != a.OwnerID) {
			return fmt.Errorf("%w: only the account's owner or an admin may break the glass", admin.ErrForbidden)
		}
		max, err := capOf(ctx, tx, a)
		if err != nil {
			return err
		}
		max = min(max, app.MaxUnlock)
		if d == 0 {
			d = max
		}
		if d > max {
			return fmt.Errorf("%w: break-glass allows at most %s here", access.ErrTooLong, max)
		}
		now := s.Clock.Now()
		if g, err = access.GrantTx(ctx, tx, by.Actor, app, a, d, false, "break-glass: "+reason, now); err != nil {
			return err
		}
		if err := store.AppendAudit(ctx, tx, app.TenantID, by.Actor, "account.break_glass", "account:"+a.ID, map[string]any{
			"break_glass": true, "account": a.Name, "application": app.Issuer, "grant": g.ID, "until": g.Until, "reason": reason,
		}, now); err != nil {
			return err
		}
		return s.alert(ctx, tx, app.TenantID, notify.BreakGlass{Application: appName(app), Account: a.Name, By: by.Actor,
			Reason: reason, At: now, Until: g.Until}, now)
	})
	return g, err
}

func appName(app store.Application) string {
	if app.Name != "" {
		return app.Name
	}
	return app.Issuer
}

// alert enqueues b for every owner and admin of the tenant on every
// channel.
func (s *Service) alert(ctx context.Context, tx store.Tx, tenantID string, b notify.BreakGlass, now time.Time) error {
	members, err := tx.Members(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.Role != store.RoleOwner && m.Role != store.RoleAdmin {
			continue
		}
		if _, err := notify.EnqueueBreakGlass(ctx, tx, m, b, s.channels(), now); err != nil {
			return err
		}
	}
	return nil
}

// Issued is the outcome of Issue: the file for the device, and the rows
// stored (hashes only).
type Issued struct {
	File  File
	Codes []store.BreakGlassCode
}

// MaxCodes bounds the codes of one issue.
const MaxCodes = 100

// Issue makes n one-time offline codes for account name at app, which
// must be marked break-glass. serverURL is written in the file for the
// device's reports.
func (s *Service) Issue(ctx context.Context, actor string, tenant store.Tenant, app store.Application, name string, n int) (Issued, error) {
	if n < 1 || n > MaxCodes {
		return Issued{}, invalid("issue 1 to %d codes, not %d", MaxCodes, n)
	}
	var out Issued
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		if _, err := capOf(ctx, tx, a); err != nil {
			return err
		}
		now := s.Clock.Now()
		batch := ids.New()
		out.File = File{Version: FileVersion, Tenant: tenant.Name, Application: app.Issuer, Account: a.Name, Batch: batch, Issued: now}
		for range n {
			code := NewCode()
			c := store.BreakGlassCode{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, AccountID: a.ID, Batch: batch,
				Hash: Hash(code), CreatedBy: actor, CreatedAt: now}
			if err := tx.CreateBreakGlassCode(ctx, c); err != nil {
				return err
			}
			out.Codes = append(out.Codes, c)
			out.File.Codes = append(out.File.Codes, FileCode{Code: code})
		}
		return store.AppendAudit(ctx, tx, app.TenantID, actor, "breakglass.codes_issued", "account:"+a.ID,
			map[string]any{"account": a.Name, "application": app.Issuer, "batch": batch, "codes": n}, now)
	})
	return out, err
}

// Used is one code a device reports: the code and when it used it.
type Used struct {
	Code string    `json:"code"`
	At   time.Time `json:"usedAt"`
}

// Reported is the server's answer to a report, code by code (in the
// order given): accepted (first report), already (reported before) or
// unknown (no such code for this account).
type Reported struct {
	Results []string `json:"results"`
}

// Outcomes of a reported code.
const (
	Accepted = "accepted"
	Already  = "already"
	Unknown  = "unknown"
)

// MaxReport bounds the codes of one report.
const MaxReport = MaxCodes

// Report records codes used offline for account name at app, as its
// application's server (the device) says. Each code is accepted once,
// audited and alerted; a code reported again is Already, one that is not
// this account's is Unknown.
func (s *Service) Report(ctx context.Context, app store.Application, name string, used []Used) (Reported, error) {
	if len(used) == 0 || len(used) > MaxReport {
		return Reported{}, invalid("report 1 to %d codes", MaxReport)
	}
	var out Reported
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		out.Results = out.Results[:0]
		a, err := tx.Account(ctx, app.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			for range used {
				out.Results = append(out.Results, Unknown)
			}
			return nil
		}
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		actor := "app:" + app.Issuer
		for _, u := range used {
			c, err := tx.BreakGlassCode(ctx, app.TenantID, Hash(u.Code))
			if errors.Is(err, store.ErrNotFound) || (err == nil && (c.AccountID != a.ID || c.AppID != app.ID)) {
				out.Results = append(out.Results, Unknown)
				continue
			}
			if err != nil {
				return err
			}
			at := u.At.UTC()
			if at.IsZero() || at.After(now) || at.Before(c.CreatedAt) {
				at = now // a device clock that says nothing sensible
			}
			ok, err := tx.ReportBreakGlassCode(ctx, app.TenantID, c.ID, at, now)
			if err != nil {
				return err
			}
			if !ok {
				out.Results = append(out.Results, Already)
				continue
			}
			out.Results = append(out.Results, Accepted)
			if err := store.AppendAudit(ctx, tx, app.TenantID, actor, "breakglass.code_used", "account:"+a.ID, map[string]any{
				"break_glass": true, "offline": true, "account": a.Name, "application": app.Issuer, "code": c.ID,
				"batch": c.Batch, "used_at": at,
			}, now); err != nil {
				return err
			}
			if err := s.alert(ctx, tx, app.TenantID, notify.BreakGlass{Application: appName(app), Account: a.Name,
				By: actor, Offline: true, At: at}, now); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
