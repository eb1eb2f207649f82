package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The policies in force at each time of the period are rebuilt from the
// audit log, which records each policy's document when it is created or
// updated (policy.created, policy.updated), its enabling and disabling,
// its deletion, its assignments (policy.assigned, policy.unassigned) and
// the groups' members (group.member_added, group.member_removed). Starting
// from the policies as they are now, each change made since the period
// began is undone, newest first; a change's "before" is what the records
// before it say (read from the start of the log when needed). The period
// is cut at each change into segments, each with its own policy.Set.

// segment is a part of the period with one set of policies.
type segment struct {
	from, to time.Time
	set      *policy.Set
}

// pastPolicy is what a policy was like before a change: exists false
// when it was not there, known false when nothing earlier says.
type pastPolicy struct {
	known, exists bool
	rec           store.Policy
}

// policyEvent is one recorded change of the policies, with what undoes it.
type policyEvent struct {
	rec    audit.Record
	d      policyData
	before pastPolicy         // for policy.* records
	assign []store.Assignment // a deleted policy's assignments
}

// policyData is what a policy or group record's data holds.
type policyData struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
	Enabled  *bool           `json:"enabled"`
	App      string          `json:"app"`
	Group    string          `json:"group"`
	Member   string          `json:"member"`
	Email    string          `json:"email"`
}

// history tracks the policies' records in log order.
type history struct {
	last    map[string]pastPolicy                // policy ID → its state after the records read
	assigns map[string]map[store.Assignment]bool // policy ID → its assignments after the records read
	events  []policyEvent                        // the changes at or after the period's start
}

func newHistory() *history {
	return &history{last: map[string]pastPolicy{}, assigns: map[string]map[store.Assignment]bool{}}
}

// apply tracks rec; keep adds it to the changes to undo.
func (h *history) apply(tenantID string, rec audit.Record, keep bool) {
	var d policyData
	if json.Unmarshal(rec.Data, &d) != nil {
		return
	}
	id, isPolicy := strings.CutPrefix(rec.Target, "policy:")
	ev := policyEvent{rec: rec, d: d}
	if isPolicy {
		ev.before = h.last[id]
		if rec.Action == "policy.created" {
			ev.before = pastPolicy{known: true} // it was not there
		}
		now := ev.before
		switch rec.Action {
		case "policy.created", "policy.updated":
			now = pastPolicy{known: true, exists: true, rec: store.Policy{ID: id, TenantID: tenantID, Name: d.Name,
				Enabled: d.Enabled != nil && *d.Enabled, Document: d.Document}}
		case "policy.enabled", "policy.disabled":
			now.rec.Enabled = rec.Action == "policy.enabled"
		case "policy.deleted":
			now = pastPolicy{known: true}
			for a := range h.assigns[id] {
				ev.assign = append(ev.assign, a)
			}
			delete(h.assigns, id)
		case "policy.assigned", "policy.unassigned":
			a := store.Assignment{PolicyID: id, TenantID: tenantID, AppID: d.App, GroupID: d.Group, MemberID: d.Member}
			if h.assigns[id] == nil {
				h.assigns[id] = map[store.Assignment]bool{}
			}
			if rec.Action == "policy.assigned" {
				h.assigns[id][a] = true
			} else {
				delete(h.assigns[id], a)
			}
		}
		h.last[id] = now
	}
	if keep {
		h.events = append(h.events, ev)
	}
}

// pastReader answers the policy reads of admin.PolicyTenant from a
// rebuilt state; executions come from the store as they were.
type pastReader struct {
	store.PolicyReader
	policies map[string]store.Policy
	assigns  map[store.Assignment]bool
	groups   []store.Group
	members  map[store.GroupMember]bool
}

func (p *pastReader) Policies(context.Context, string) ([]store.Policy, error) {
	out := make([]store.Policy, 0, len(p.policies))
	for _, r := range p.policies {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b store.Policy) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (p *pastReader) Assignments(context.Context, string) ([]store.Assignment, error) {
	out := make([]store.Assignment, 0, len(p.assigns))
	for a := range p.assigns {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b store.Assignment) int {
		return strings.Compare(a.PolicyID+a.AppID+a.GroupID+a.MemberID, b.PolicyID+b.AppID+b.GroupID+b.MemberID)
	})
	return out, nil
}

func (p *pastReader) Groups(context.Context, string) ([]store.Group, error) { return p.groups, nil }

func (p *pastReader) GroupMembers(context.Context, string) ([]store.GroupMember, error) {
	out := make([]store.GroupMember, 0, len(p.members))
	for m := range p.members {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b store.GroupMember) int {
		return strings.Compare(a.GroupID+"/"+a.MemberID, b.GroupID+"/"+b.MemberID)
	})
	return out, nil
}

// segments rebuilds the policies in force over the period. With no change
// since the period began it is one segment with the policies as they are.
func (b *builder) segments(ctx context.Context) error {
	set := func(r store.PolicyReader) (*policy.Set, error) {
		pt, err := admin.PolicyTenant(ctx, r, b.o.TenantID, b.o.Since)
		if err != nil {
			return nil, err
		}
		s, err := policy.NewSet(pt, nil)
		if err != nil {
			return nil, fmt.Errorf("the tenant's policies: %w", err)
		}
		return s, nil
	}
	if len(b.hist.events) == 0 {
		s, err := set(b.r)
		if err != nil {
			return err
		}
		b.segs = []segment{{b.o.Since, b.o.Until, s}}
		return nil
	}
	st, err := b.nowState(ctx)
	if err != nil {
		return err
	}
	end := b.o.Until
	evs := b.hist.events
	for i := len(evs) - 1; i >= -1; i-- {
		var at time.Time
		if i >= 0 {
			at = evs[i].rec.At
		}
		if i < 0 || at.Before(b.o.Since) {
			at = b.o.Since
		}
		if at.Before(end) && (i < 0 || evs[i].rec.At.Before(b.o.Until)) {
			s, err := set(st.clone())
			if err != nil {
				return err
			}
			b.segs = append(b.segs, segment{at, end, s})
			end = at
		}
		if i >= 0 {
			b.undo(st, evs[i])
		}
	}
	slices.Reverse(b.segs)
	slices.Reverse(b.lost) // oldest first
	return nil
}

// nowState is the policies, assignments, groups and members as they are.
func (b *builder) nowState(ctx context.Context) (*pastReader, error) {
	st := &pastReader{PolicyReader: b.r, policies: map[string]store.Policy{}, assigns: map[store.Assignment]bool{},
		members: map[store.GroupMember]bool{}}
	ps, err := b.r.Policies(ctx, b.o.TenantID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		st.policies[p.ID] = p
	}
	as, err := b.r.Assignments(ctx, b.o.TenantID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		a.CreatedAt = time.Time{}
		st.assigns[a] = true
	}
	if st.groups, err = b.r.Groups(ctx, b.o.TenantID); err != nil {
		return nil, err
	}
	ms, err := b.r.GroupMembers(ctx, b.o.TenantID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		m.CreatedAt = time.Time{}
		st.members[m] = true
	}
	return st, nil
}

func (p *pastReader) clone() *pastReader {
	c := *p
	return &c
}

// undo takes ev back out of st.
func (b *builder) undo(st *pastReader, ev policyEvent) {
	id, _ := strings.CutPrefix(ev.rec.Target, "policy:")
	group, _ := strings.CutPrefix(ev.rec.Target, "group:")
	// Maps are shared with the segments' readers already built: copy.
	st.policies, st.assigns, st.members = maps.Clone(st.policies), maps.Clone(st.assigns), maps.Clone(st.members)
	switch ev.rec.Action {
	case "policy.assigned", "policy.unassigned":
		a := store.Assignment{PolicyID: id, TenantID: b.o.TenantID, AppID: ev.d.App, GroupID: ev.d.Group, MemberID: ev.d.Member}
		if ev.rec.Action == "policy.assigned" {
			delete(st.assigns, a)
		} else {
			st.assigns[a] = true
		}
	case "group.member_added", "group.member_removed":
		m := store.GroupMember{GroupID: group, MemberID: ev.d.Member, TenantID: b.o.TenantID}
		if ev.rec.Action == "group.member_added" {
			delete(st.members, m)
		} else {
			st.members[m] = true
		}
	case "group.deleted":
		b.lost = append(b.lost, fmt.Sprintf("group %s (deleted %s)", ev.d.Name, stampUTC(ev.rec.At)))
	case "member.removed":
		b.lost = append(b.lost, fmt.Sprintf("member %s (removed %s)", ev.d.Email, stampUTC(ev.rec.At)))
	default:
		if !ev.before.known {
			b.lost = append(b.lost, fmt.Sprintf("policy %s (%s %s)", ev.d.Name, strings.TrimPrefix(ev.rec.Action, "policy."), stampUTC(ev.rec.At)))
			return
		}
		if !ev.before.exists {
			delete(st.policies, id)
			return
		}
		st.policies[id] = ev.before.rec
		for _, a := range ev.assign {
			st.assigns[a] = true
		}
		if ev.rec.Action == "policy.deleted" {
			b.lost = append(b.lost, fmt.Sprintf("policy %s (deleted %s: its alert executions went with it)", ev.d.Name, stampUTC(ev.rec.At)))
		}
	}
}

func stampUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// windows are the times in [from, to) in which the policies of each
// segment opened (Unlock) or closed (Lock) the account.
func (b *builder) windows(pa policy.Account, action policy.Action, from, to time.Time) []policy.Window {
	var out []policy.Window
	for _, s := range b.segs {
		if f, t := later(s.from, from), earlier(s.to, to); t.After(f) {
			out = append(out, s.set.Windows(pa, action, f, t)...)
		}
	}
	return policy.Merge(out)
}
