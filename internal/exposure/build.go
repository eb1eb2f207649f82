package exposure

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Options choose what a report covers.
type Options struct {
	TenantID string
	// AppID limits the report to one application; "" covers them all.
	AppID        string
	Since, Until time.Time
	// Geo locates blocked sign-ins' addresses; nil reports no countries.
	Geo policy.Geo
	// Zone is where days and hours are counted; nil is UTC.
	Zone *time.Location
}

// ErrPeriod: the period is empty or reversed, or too long.
var ErrPeriod = errors.New("the report's period must end after it starts, and span at most ten years")

// maxDays bounds a report's period.
const maxDays = 3660

// page is how many records one read fetches.
const page = 2000

// auditMargin is how far before the earliest grant the audit log is read:
// a grant and its audit record share a time, but nodes' clocks differ.
const auditMargin = time.Hour

// Source is what a report reads.
type Source interface {
	store.ConfigReader
	store.MemberReader
	store.AccountReader
	store.ApprovalReader
	store.PolicyReader
	store.AuditReader
	store.HistoryReader
}

// Build reads the exposure of the accounts of o.TenantID over the period
// from r. See the package doc for what it counts.
func Build(ctx context.Context, r Source, o Options) (*Report, error) {
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	o.Since, o.Until = o.Since.UTC(), o.Until.UTC()
	if !o.Until.After(o.Since) || o.Until.Sub(o.Since) > maxDays*24*time.Hour {
		return nil, ErrPeriod
	}
	t, err := r.Tenant(ctx, o.TenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", o.TenantID, err)
	}
	b := &builder{r: r, o: o, rows: map[rowKey]*Account{}, byGrant: map[string]*Unlock{},
		byAccount: map[string][]*Unlock{}, emails: map[string]string{}, countries: map[string]string{},
		origins: map[string]int{}, apps: map[string]store.Application{}, held: map[string][2]bool{},
		locks: map[lockKey][]lockEvent{}, before: map[lockKey]bool{}, hist: newHistory(), ownerEvents: map[string][]ownerEvent{}}
	b.rep = &Report{Tenant: t.Name, Since: o.Since, Until: o.Until, Zone: o.Zone.String(), Countries: o.Geo != nil,
		Accounts: []Account{}, Unlocks: []Unlock{}, Origins: []Origin{}}
	b.days()
	apps, err := r.Applications(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if o.AppID == "" || a.ID == o.AppID {
			b.apps[a.ID] = a
			b.order = append(b.order, a)
		}
	}
	if o.AppID != "" {
		app, ok := b.apps[o.AppID]
		if !ok {
			return nil, fmt.Errorf("application %q of tenant %s: %w", o.AppID, t.Name, store.ErrNotFound)
		}
		b.rep.Application = app.Issuer
	}
	for _, step := range []func(context.Context) error{b.grants, b.audit, b.approvers, b.segments, b.accounts, b.checks} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	b.finish()
	b.rep.Caveats = b.caveats()
	return b.rep, nil
}

type rowKey struct{ app, account string }

type builder struct {
	r   Source
	o   Options
	rep *Report

	apps    map[string]store.Application
	order   []store.Application
	segs    []segment // the policies in force, part by part of the period
	hist    *history
	pending []audit.Record // policy records of the audit read, until the prelude
	lost    []string       // changes of the policies that could not be undone

	rows      map[rowKey]*Account
	extra     *Account // OtherAccounts, once rows are MaxAccounts
	byGrant   map[string]*Unlock
	byAccount map[string][]*Unlock // grants by account ID, until the account is read
	unlocks   []*Unlock
	earliest  time.Time // of the grants open in the period

	emails    map[string]string  // member ID → email
	held      map[string][2]bool // member ID → its lockdown and "lock everything" now
	locks     map[lockKey][]lockEvent
	before    map[lockKey]bool // a hard lock's state when the audit read starts
	unsure    []lockKey        // hard locks whose state before their first record is unknown
	read      int64            // the seq after which the audit read starts
	changed   map[string]time.Time
	changes   []string          // policies and groups changed since the period began, first change first
	countries map[string]string // address → country
	origins   map[string]int    // the tenant's blocked addresses (at most MaxOrigins*10)

	ownerEvents map[string][]ownerEvent // account ID → its enrolled and linked records in the audit read
	removals    []removal               // the members removed, in the audit read
	unsureOwned []unsureAccount         // accounts whose owner at the read's start the read does not tell
	ownerless   []string                // accounts whose owner before a removal is not recorded
}

// grants reads the grants open in the period.
func (b *builder) grants(ctx context.Context) error {
	b.earliest = b.o.Since
	var after store.Grant
	for {
		gs, err := b.r.GrantsBetween(ctx, b.o.TenantID, b.o.Since, b.o.Until, after, page)
		if err != nil {
			return err
		}
		for _, g := range gs {
			u := &Unlock{Kind: Grant, Grant: g.ID, By: g.GrantedBy, Reason: g.Reason, Once: g.Once,
				Start: g.CreatedAt, End: grantEnd(g), Used: !g.ConsumedAt.IsZero()}
			if id, ok := strings.CutPrefix(g.GrantedBy, "request:"); ok {
				u.Kind, u.Request = Approval, id
			}
			b.byGrant[g.ID] = u
			b.byAccount[g.AccountID] = append(b.byAccount[g.AccountID], u)
			if g.CreatedAt.Before(b.earliest) {
				b.earliest = g.CreatedAt
			}
		}
		if len(gs) < page {
			return nil
		}
		after = gs[len(gs)-1]
	}
}

// grantEnd is when g stopped opening its account.
func grantEnd(g store.Grant) time.Time {
	end := g.Until
	for _, t := range []time.Time{g.ConsumedAt, g.RevokedAt} {
		if !t.IsZero() && t.Before(end) {
			end = t
		}
	}
	return end
}

// auditData is what the report reads of an audit record's data.
type auditData struct {
	Grant       string    `json:"grant"`
	Account     string    `json:"account"`
	Application string    `json:"application"`
	Code        string    `json:"code"`
	UsedAt      time.Time `json:"used_at"`
	LockedDown  *bool     `json:"locked_down"`
	Owner       string    `json:"owner"`
	Name        string    `json:"name"`
	Group       string    `json:"group"`
}

// audit reads the audit log from near the earliest grant to its end:
// which grants were break-glass or approvals, and the offline
// break-glass codes used in the period.
func (b *builder) audit(ctx context.Context) (err error) {
	after, err := b.auditStart(ctx, b.earliest.Add(-auditMargin))
	if err != nil {
		return err
	}
	b.read = after
	defer func() {
		if err == nil {
			err = b.prelude(ctx)
		}
	}()
	for {
		recs, err := b.r.AuditRecords(ctx, b.o.TenantID, after, page)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			b.auditRecord(rec)
		}
		if len(recs) < page {
			return nil
		}
		after = recs[len(recs)-1].Seq
	}
}

func (b *builder) auditRecord(rec audit.Record) {
	b.ownerRecord(rec)
	lockish, policyish := lockAction(rec.Action), policyAction(rec.Action)
	switch rec.Action {
	case "account.break_glass", "request.approved", "request.started", "breakglass.code_used":
	default:
		if !lockish && !policyish {
			return
		}
	}
	var d auditData
	if json.Unmarshal(rec.Data, &d) != nil {
		return
	}
	if lockish {
		if k, on, prior, ok := lockRecord(rec, d); ok {
			b.addLock(k, rec.At, on, prior)
		}
		return
	}
	if policyish {
		b.pending = append(b.pending, rec)
		return
	}
	if rec.Action == "breakglass.code_used" {
		b.codeUsed(d)
		return
	}
	u := b.byGrant[d.Grant]
	if u == nil {
		return
	}
	if rec.Action == "account.break_glass" {
		u.Kind = BreakGlass
		return
	}
	u.Kind, u.Request = Approval, strings.TrimPrefix(rec.Target, "request:")
}

// codeUsed adds an offline break-glass code used in the period.
func (b *builder) codeUsed(d auditData) {
	if d.UsedAt.Before(b.o.Since) || !d.UsedAt.Before(b.o.Until) {
		return
	}
	for _, app := range b.order {
		if app.Issuer == d.Application {
			u := &Unlock{Kind: BreakGlass, Application: app.Issuer, Account: d.Account, Code: d.Code,
				By: "offline code", Once: true, Start: d.UsedAt.UTC(), End: d.UsedAt.UTC(), Used: true, appID: app.ID}
			row := b.row(app, d.Account, true)
			row.unlocks = append(row.unlocks, u)
			b.unlocks = append(b.unlocks, u)
			return
		}
	}
}

// auditStart finds by bisection the seq after which the tenant's audit
// records are at or after from (records are appended in time order, give
// or take the nodes' clocks, which auditMargin covers).
func (b *builder) auditStart(ctx context.Context, from time.Time) (int64, error) {
	heads, err := b.r.AuditHeads(ctx)
	if err != nil {
		return 0, err
	}
	var last int64
	for _, h := range heads {
		if h.TenantID == b.o.TenantID {
			last = h.Seq
		}
	}
	lo, hi := int64(0), last // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		recs, err := b.r.AuditRecords(ctx, b.o.TenantID, mid-1, 1)
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 || !recs[0].At.Before(from) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	return lo, nil
}

// approvers names who approved each approval.
func (b *builder) approvers(ctx context.Context) error {
	for _, u := range b.byGrant {
		if u.Kind != Approval || u.Request == "" {
			continue
		}
		votes, err := b.r.Votes(ctx, u.Request)
		if err != nil {
			return err
		}
		for _, v := range votes {
			if v.Decision == store.VoteApprove {
				email, err := b.email(ctx, v.MemberID)
				if err != nil {
					return err
				}
				u.Approvers = append(u.Approvers, email)
			}
		}
		if len(u.Approvers) > 0 {
			continue
		}
		q, err := b.r.UnlockRequest(ctx, u.Request)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		u.Approvers = []string{strings.TrimPrefix(q.DecidedBy, "member:")}
	}
	return nil
}

// email is a member's email, or the ID of a member that is gone.
func (b *builder) email(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if e, ok := b.emails[id]; ok {
		return e, nil
	}
	m, err := b.r.Member(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		m.Email = id
	case err != nil:
		return "", err
	}
	b.emails[id] = m.Email
	b.held[id] = [2]bool{m.LockedDown, m.LockAll}
	return m.Email, nil
}

// accounts reads every account of the covered applications and adds up
// how long each was open, by what.
func (b *builder) accounts(ctx context.Context) error {
	for _, app := range b.order {
		after := ""
		for {
			as, err := b.r.Accounts(ctx, app.ID, after, page)
			if err != nil {
				return err
			}
			for _, a := range as {
				owner, sure := b.ownerAtRead(a)
				if !sure {
					b.unsureOwned = append(b.unsureOwned, unsureAccount{app, a})
					continue
				}
				if err := b.account(ctx, app, a, owner); err != nil {
					return err
				}
			}
			if len(as) < page {
				break
			}
			after = as[len(as)-1].Name
		}
	}
	if len(b.unsureOwned) == 0 {
		return nil
	}
	owners, err := b.ownersBefore(ctx)
	if err != nil {
		return err
	}
	for _, u := range b.unsureOwned {
		if err := b.account(ctx, u.app, u.a, owners[u.a.ID]); err != nil {
			return err
		}
	}
	return nil
}

// account adds up how long a was open over the period, by what, with
// start its owner when the audit read starts (owners).
func (b *builder) account(ctx context.Context, app store.Application, a store.Account, start string) error {
	us := b.byAccount[a.ID]
	delete(b.byAccount, a.ID)
	spans := b.owners(a, start)
	var sched []policy.Window
	for _, sp := range spans {
		sched = append(sched, b.windows(policy.Account{App: app.ID, Owner: sp.owner}, policy.Unlock, sp.from, sp.to)...)
	}
	sched = policy.Merge(sched)
	if len(us) == 0 && len(sched) == 0 {
		return nil
	}
	row := b.row(app, a.Name, false)
	owner, err := b.email(ctx, a.OwnerID)
	if err != nil {
		return err
	}
	row.Owner = owner
	var locked []policy.Window
	for _, sp := range spans {
		locked = append(locked, b.windows(policy.Account{App: app.ID, Owner: sp.owner}, policy.Lock, sp.from, sp.to)...)
		locked = append(locked, within(b.lockWindows(lockKey{lock.HardLockApplication, app.ID}, app.LockedDown), sp.from, sp.to)...)
		if sp.owner == "" {
			continue
		}
		if _, err := b.email(ctx, sp.owner); err != nil {
			return err
		}
		held := b.held[sp.owner]
		locked = append(locked, within(b.lockWindows(lockKey{lock.HardLockMember, sp.owner}, held[0]), sp.from, sp.to)...)
		locked = append(locked, within(b.lockWindows(lockKey{lock.HardLockEverything, sp.owner}, held[1]), sp.from, sp.to)...)
	}
	locked = policy.Merge(locked)
	row.Locked = Seconds(total(locked))
	byKind := map[string][]policy.Window{Schedule: sched}
	var all []policy.Window
	for _, u := range us {
		u.Application, u.Account, u.appID = app.Issuer, a.Name, app.ID
		w := b.clip(u.Start, u.End)
		open := minus(policy.Merge([]policy.Window{w}), locked)
		u.Open = Seconds(total(open))
		byKind[u.Kind] = append(byKind[u.Kind], open...)
		all = append(all, open...)
		row.unlocks = append(row.unlocks, u)
		b.unlocks = append(b.unlocks, u)
	}
	sched = minus(sched, locked)
	all = policy.Merge(append(all, sched...))
	row.Schedule = Seconds(total(sched))
	row.Grant = Seconds(total(policy.Merge(byKind[Grant])))
	row.Approval = Seconds(total(policy.Merge(byKind[Approval])))
	row.BreakGlass = Seconds(total(policy.Merge(byKind[BreakGlass])))
	row.Open = Seconds(total(all))
	for _, w := range all {
		b.addOpen(w)
	}
	return nil
}

func (b *builder) clip(start, end time.Time) policy.Window {
	if start.Before(b.o.Since) {
		start = b.o.Since
	}
	if end.After(b.o.Until) {
		end = b.o.Until
	}
	return policy.Window{Start: start, End: end}
}

// row returns the account's row, made when missing. A row made for blocked
// sign-ins alone (extra) past MaxAccounts is the OtherAccounts row.
func (b *builder) row(app store.Application, account string, extra bool) *Account {
	k := rowKey{app.ID, account}
	if r := b.rows[k]; r != nil {
		return r
	}
	if extra && len(b.rows) >= MaxAccounts {
		if b.extra == nil {
			b.extra = &Account{Application: "", Account: OtherAccounts, origins: map[string]int{}}
		}
		return b.extra
	}
	r := &Account{AppID: app.ID, Application: app.Issuer, AppName: app.Name, Account: account, origins: map[string]int{}}
	b.rows[k] = r
	return r
}

// checks reads the check log: blocked sign-ins in the period, and allowed
// ones that used a grant (from the earliest grant on).
func (b *builder) checks(ctx context.Context) error {
	for _, app := range b.order {
		var pos store.CheckPosition
		for {
			recs, next, err := b.r.ChecksBetween(ctx, app.ID, b.earliest, b.o.Until, pos, page)
			if err != nil {
				return err
			}
			for _, c := range recs {
				b.check(app, c)
			}
			if len(recs) < page {
				break
			}
			pos = next
		}
	}
	return nil
}

func (b *builder) check(app store.Application, c store.CheckRecord) {
	inPeriod := !c.At.Before(b.o.Since)
	if !c.Locked {
		row := b.rows[rowKey{app.ID, c.Account}]
		if inPeriod {
			b.rep.Totals.Allowed++
			if row != nil {
				row.Allowed++
			}
		}
		if row == nil {
			return
		}
		for _, u := range row.unlocks {
			if u.Grant != "" && !c.At.Before(u.Start) && (c.At.Before(u.End) || (u.Once && c.At.Equal(u.End))) {
				u.SignIns++
			}
		}
		return
	}
	if !inPeriod {
		return
	}
	row := b.row(app, c.Account, true)
	row.Blocked++
	b.rep.Totals.Blocked++
	local := c.At.In(b.o.Zone)
	b.rep.Heat[(int(local.Weekday())+6)%7][local.Hour()]++
	if i := b.day(c.At); i >= 0 {
		b.rep.Days[i].Blocked++
	}
	ip := c.IP
	if ip == "" {
		ip = "(none)"
	}
	if _, ok := row.origins[ip]; ok || len(row.origins) < MaxOrigins {
		row.origins[ip]++
	} else {
		row.OtherOrigins++
	}
	if _, ok := b.origins[ip]; ok || len(b.origins) < 10*MaxOrigins {
		b.origins[ip]++
	}
}

// country locates ip, "" when it cannot.
func (b *builder) country(ip string) string {
	if b.o.Geo == nil {
		return ""
	}
	if c, ok := b.countries[ip]; ok {
		return c
	}
	var c string
	if addr, err := netip.ParseAddr(ip); err == nil {
		if cc, ok, err := b.o.Geo.Country(addr.Unmap()); err == nil && ok {
			c = cc
		}
	}
	b.countries[ip] = c
	return c
}

// days lays out the calendar days of the period in the report's zone.
func (b *builder) days() {
	l := b.o.Since.In(b.o.Zone)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, b.o.Zone)
	for ; d.Before(b.o.Until); d = d.AddDate(0, 0, 1) {
		b.rep.Days = append(b.rep.Days, Day{Date: d.Format(time.DateOnly), start: d.UTC()})
	}
}

// day is the index of the day holding t, -1 outside the period.
func (b *builder) day(t time.Time) int {
	i := sort.Search(len(b.rep.Days), func(i int) bool { return b.rep.Days[i].start.After(t) }) - 1
	if t.Before(b.o.Since) || !t.Before(b.o.Until) {
		return -1
	}
	return i
}

// addOpen adds w to the open time of the days it covers.
func (b *builder) addOpen(w policy.Window) {
	for i := b.day(w.Start); i >= 0 && i < len(b.rep.Days); i++ {
		d := &b.rep.Days[i]
		end := w.End
		if i+1 < len(b.rep.Days) && b.rep.Days[i+1].start.Before(end) {
			end = b.rep.Days[i+1].start
		}
		start := w.Start
		if d.start.After(start) {
			start = d.start
		}
		if !end.After(start) {
			return
		}
		d.Open += Seconds(end.Sub(start))
	}
}

// finish orders the rows and adds up the totals.
func (b *builder) finish() {
	rep := b.rep
	rows := make([]*Account, 0, len(b.rows)+1)
	for _, r := range b.rows {
		rows = append(rows, r)
	}
	if b.extra != nil {
		rows = append(rows, b.extra)
	}
	for _, r := range rows {
		seen := map[string]bool{}
		for _, u := range r.unlocks {
			u.Used = u.Used || u.SignIns > 0
			r.Unlocks++
			if !u.Used {
				r.Unused++
			}
			for _, a := range u.Approvers {
				if !seen[a] {
					seen[a] = true
					r.Approvers = append(r.Approvers, a)
				}
			}
		}
		slices.Sort(r.Approvers)
		if r.Approvers == nil {
			r.Approvers = []string{}
		}
		r.From = b.top(r.origins, MaxOrigins)
		t := &rep.Totals
		t.add(r.Times)
		t.Unlocks += r.Unlocks
		t.Unused += r.Unused
		if r.Open > 0 {
			t.Accounts++
		}
		rep.Accounts = append(rep.Accounts, *r)
	}
	slices.SortFunc(rep.Accounts, func(a, b Account) int {
		return cmp.Or(cmp.Compare(b.Open, a.Open), cmp.Compare(b.Blocked, a.Blocked),
			cmp.Compare(a.Application, b.Application), cmp.Compare(a.Account, b.Account))
	})
	slices.SortFunc(b.unlocks, func(a, b *Unlock) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Application, b.Application),
			cmp.Compare(a.Account, b.Account), cmp.Compare(a.Grant+a.Code, b.Grant+b.Code))
	})
	for _, u := range b.unlocks {
		rep.Unlocks = append(rep.Unlocks, *u)
	}
	rep.Origins = b.top(b.origins, 20)
}

// top lists the n addresses with the most blocked sign-ins, most first.
func (b *builder) top(counts map[string]int, n int) []Origin {
	out := make([]Origin, 0, min(n, len(counts)))
	for ip, c := range counts {
		out = append(out, Origin{IP: ip, Count: c})
	}
	slices.SortFunc(out, func(a, b Origin) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.IP, b.IP)) })
	out = out[:min(n, len(out))]
	for i := range out {
		out[i].Country = b.country(out[i].IP)
	}
	return out
}

// total is the length of merged windows.
func total(ws []policy.Window) time.Duration {
	var d time.Duration
	for _, w := range ws {
		d += w.End.Sub(w.Start)
	}
	return d
}

// within is ws cut to [from, to).
func within(ws []policy.Window, from, to time.Time) []policy.Window {
	var out []policy.Window
	for _, w := range ws {
		if cut, ok := w.Within(from, to); ok {
			out = append(out, cut)
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// minus is ws (merged, in order) without the times in cut (merged, in
// order).
func minus(ws, cut []policy.Window) []policy.Window {
	if len(cut) == 0 {
		return ws
	}
	var out []policy.Window
	for _, w := range ws {
		start := w.Start
		for _, c := range cut {
			if !c.End.After(start) || !c.Start.Before(w.End) {
				continue
			}
			if c.Start.After(start) {
				out = append(out, policy.Window{Start: start, End: c.Start})
			}
			start = c.End
		}
		if w.End.After(start) {
			out = append(out, policy.Window{Start: start, End: w.End})
		}
	}
	return out
}
