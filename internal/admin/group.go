package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// GroupInfo is a group with its members.
type GroupInfo struct {
	store.Group
	Members []store.Member // by email
}

// CreateGroup creates the group name in the tenant.
func (s *Service) CreateGroup(ctx context.Context, actor, tenantID, name, description string) (store.Group, error) {
	if err := (policy.Group{Name: name, Description: description}).Validate(); err != nil {
		return store.Group{}, fmt.Errorf("%w: group %v", store.ErrInvalid, err)
	}
	now := s.Clock.Now()
	g := store.Group{ID: ids.New(), TenantID: tenantID, Name: name, Description: description, CreatedAt: now}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "group.created", "group:"+g.ID,
			map[string]any{"name": name, "description": description}, now)
	})
	return g, err
}

// Group finds a group of the tenant by name or ID.
func (s *Service) Group(ctx context.Context, tenantID, ref string) (store.Group, error) {
	return groupTx(ctx, s.Store, tenantID, ref)
}

func groupTx(ctx context.Context, r store.PolicyReader, tenantID, ref string) (store.Group, error) {
	g, err := r.GroupByName(ctx, tenantID, ref)
	if errors.Is(err, store.ErrNotFound) {
		g, err = r.Group(ctx, tenantID, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return g, fmt.Errorf("group %q (no group of this tenant has this name or id): %w", ref, store.ErrNotFound)
	}
	return g, err
}

// Groups lists the tenant's groups by name, each with its members.
func (s *Service) Groups(ctx context.Context, tenantID string) ([]GroupInfo, error) {
	groups, err := s.Store.Groups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	memberships, err := s.Store.GroupMembers(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	members, err := s.Store.Members(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.Member, len(members))
	for _, m := range members {
		byID[m.ID] = m
	}
	of := map[string][]store.Member{}
	for _, gm := range memberships {
		of[gm.GroupID] = append(of[gm.GroupID], byID[gm.MemberID])
	}
	out := make([]GroupInfo, len(groups))
	for i, g := range groups {
		ms := of[g.ID]
		slices.SortFunc(ms, func(a, b store.Member) int { return strings.Compare(a.Email, b.Email) })
		out[i] = GroupInfo{Group: g, Members: ms}
	}
	return out, nil
}

// DeleteGroup deletes a group of the tenant (by name or ID) with its
// memberships and the policy assignments to it.
func (s *Service) DeleteGroup(ctx context.Context, actor, tenantID, ref string) (store.Group, error) {
	var g store.Group
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if g, err = groupTx(ctx, tx, tenantID, ref); err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, tenantID, g.ID); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "group.deleted", "group:"+g.ID, map[string]any{"name": g.Name}, s.Clock.Now())
	})
	return g, err
}

// AddToGroup makes the member (email or ID) a member of the group (name or
// ID); RemoveFromGroup undoes it. Both are in the tenant.
func (s *Service) AddToGroup(ctx context.Context, actor, tenantID, groupRef, memberRef string) (store.Group, store.Member, error) {
	return s.changeGroup(ctx, actor, tenantID, groupRef, memberRef, true)
}

// RemoveFromGroup removes the member from the group.
func (s *Service) RemoveFromGroup(ctx context.Context, actor, tenantID, groupRef, memberRef string) (store.Group, store.Member, error) {
	return s.changeGroup(ctx, actor, tenantID, groupRef, memberRef, false)
}

func (s *Service) changeGroup(ctx context.Context, actor, tenantID, groupRef, memberRef string, add bool) (store.Group, store.Member, error) {
	m, err := s.Member(ctx, tenantID, strings.TrimSpace(memberRef))
	if err != nil {
		return store.Group{}, m, err
	}
	var g store.Group
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if g, err = groupTx(ctx, tx, tenantID, groupRef); err != nil {
			return err
		}
		now := s.Clock.Now()
		action := "group.member_added"
		if add {
			err = tx.AddGroupMember(ctx, store.GroupMember{GroupID: g.ID, MemberID: m.ID, TenantID: tenantID, CreatedAt: now})
		} else {
			action = "group.member_removed"
			err = tx.RemoveGroupMember(ctx, tenantID, g.ID, m.ID)
			if errors.Is(err, store.ErrNotFound) {
				err = fmt.Errorf("%s is not a member of group %s: %w", m.Email, g.Name, store.ErrNotFound)
			}
		}
		if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, action, "group:"+g.ID,
			map[string]any{"group": g.Name, "member": m.ID, "email": m.Email}, now)
	})
	return g, m, err
}

// RenameGroup renames a group of the tenant (by name or ID), audited as
// group.renamed; its members and the policies assigned to it stay.
// Renaming a group to its own name changes nothing.
func (s *Service) RenameGroup(ctx context.Context, actor, tenantID, ref, name string) (store.Group, error) {
	var g store.Group
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if g, err = groupTx(ctx, tx, tenantID, ref); err != nil || g.Name == name {
			return err
		}
		if err := (policy.Group{Name: name, Description: g.Description}).Validate(); err != nil {
			return fmt.Errorf("%w: group %v", store.ErrInvalid, err)
		}
		from := g.Name
		g.Name = name
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "group.renamed", "group:"+g.ID,
			map[string]any{"from": from, "to": name}, s.Clock.Now())
	})
	return g, err
}
