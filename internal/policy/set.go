package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Tenant is everything of one tenant that policies are evaluated from.
type Tenant struct {
	Policies []Policy
	Groups   []Group
	// Executions of the tenant's alert policies; only those still in force
	// (or in the past times one wants to explain) matter.
	Executions []Execution
}

// Account names the protected account a decision is about: its
// application and its owner (a member ID; empty when it has none).
type Account struct {
	App   string
	Owner string
}

// Set is one tenant's policies compiled and indexed by assignment, so that
// finding the policies of an account costs a few map lookups. It is
// immutable and safe for concurrent use: build a new Set when the
// tenant's policies, groups or executions change.
type Set struct {
	byApp    map[string][]*compiled
	byGroup  map[string][]*compiled
	byMember map[string][]*compiled
	groupsOf map[string][]*Group // member → groups, by name
	geo      Geo
	// reacts: the events some enabled alert policy runs on.
	reacts map[Trigger]bool
}

// ErrInvalid marks NewSet's failure: an enabled policy that does not
// validate, or two policies with one ID. It is the tenant's
// configuration that is wrong, not the store: callers keep the failure
// until the policies change instead of retrying it on every check.
var ErrInvalid = errors.New("a policy does not validate")

// NewSet compiles t's policies. geo locates addresses for country rules;
// nil means there is no GeoIP database (on_unknown decides). An enabled
// policy that does not validate, or two with one ID, fail the whole Set
// with an error wrapping ErrInvalid, and the lock check then answers
// "could not decide" (policy_invalid) for the tenant's accounts: better
// than leaving a lock out. A disabled policy that does not validate
// decides nothing, so it is left out instead of failing every check of
// the tenant.
func NewSet(t Tenant, geo Geo) (*Set, error) {
	s := &Set{
		byApp:    map[string][]*compiled{},
		byGroup:  map[string][]*compiled{},
		byMember: map[string][]*compiled{},
		groupsOf: map[string][]*Group{},
		geo:      geo,
		reacts:   map[Trigger]bool{},
	}
	execs := map[string][]Execution{}
	for _, e := range t.Executions {
		execs[e.PolicyID] = append(execs[e.PolicyID], e)
	}
	seen := map[string]bool{}
	var errs []error
	for _, p := range t.Policies {
		if p.ID == "" || seen[p.ID] {
			errs = append(errs, fmt.Errorf("policy %q: missing or repeated ID %q", p.Name, p.ID))
			continue
		}
		seen[p.ID] = true
		c, err := compile(p)
		if err != nil {
			if p.Enabled {
				errs = append(errs, fmt.Errorf("policy %s (%q): %w", p.ID, p.Name, err))
			}
			continue
		}
		c.execs = execs[p.ID]
		if c.Type == Alert && c.Enabled {
			for _, t := range c.Alert.On {
				s.reacts[t] = true
			}
		}
		for _, id := range p.Assign.Apps {
			s.byApp[id] = append(s.byApp[id], c)
		}
		for _, id := range p.Assign.Groups {
			s.byGroup[id] = append(s.byGroup[id], c)
		}
		for _, id := range p.Assign.Members {
			s.byMember[id] = append(s.byMember[id], c)
		}
	}
	for i := range t.Groups {
		g := &t.Groups[i]
		for _, m := range g.Members {
			s.groupsOf[m] = append(s.groupsOf[m], g)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	byName := func(a, b *compiled) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) }
	for _, m := range []map[string][]*compiled{s.byApp, s.byGroup, s.byMember} {
		for _, l := range m {
			slices.SortFunc(l, byName)
		}
	}
	for _, l := range s.groupsOf {
		slices.SortFunc(l, func(a, b *Group) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	}
	return s, nil
}

// each calls f for every policy assigned to acc, in the order that
// decides ties: the application's, then each of the owner's groups' (by
// group name), then the owner's own; by name within each. A policy
// assigned along several paths is visited once per path.
func (s *Set) each(acc Account, f func(c *compiled, v via)) {
	for _, c := range s.byApp[acc.App] {
		f(c, via{})
	}
	if acc.Owner == "" {
		return
	}
	for _, g := range s.groupsOf[acc.Owner] {
		for _, c := range s.byGroup[g.ID] {
			f(c, via{group: g})
		}
	}
	for _, c := range s.byMember[acc.Owner] {
		f(c, via{member: true})
	}
}

// via is the path by which a policy reaches an account.
type via struct {
	group  *Group
	member bool
}

func (v via) String() string {
	switch {
	case v.group != nil:
		return "via group " + v.group.Name
	case v.member:
		return "via its owner"
	default:
		return "via its application"
	}
}

// Triggered lists the IDs of the enabled alert policies that reach acc
// and run on event t, each once, in assignment order.
func (s *Set) Triggered(acc Account, t Trigger) []string {
	var ids []string
	s.each(acc, func(c *compiled, _ via) {
		if c.TriggeredBy(t) && !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	})
	return ids
}

// Reacts reports whether some enabled alert policy of the set runs on
// event t, whatever it is assigned to: a background job asks it before
// reading the events of a tenant.
func (s *Set) Reacts(t Trigger) bool { return s.reacts[t] }
