package scim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	lib "github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/scim2/filter-parser/v2"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// groups serves /Groups: the tenant's groups, whose members are members.
type groups struct{ h *Handler }

// group is a Group as deadbolt keeps it.
type group struct {
	name       string
	externalID string
	members    []string // member IDs
}

// all reads the tenant's groups with their members, and their externalIds.
func (g *groups) all(c call) ([]admin.GroupInfo, map[string]string, error) {
	infos, err := g.h.Admin.Groups(c.ctx, c.tenant())
	if err != nil {
		return nil, nil, err
	}
	ext, err := g.h.Store.ExternalIDs(c.ctx, c.tenant(), store.ExternalGroup)
	return infos, ext, err
}

// one reads the tenant's group id.
func (g *groups) one(c call, id string) (admin.GroupInfo, string, error) {
	infos, ext, err := g.all(c)
	if err != nil {
		return admin.GroupInfo{}, "", err
	}
	for _, info := range infos {
		if info.ID == id {
			return info, ext[id], nil
		}
	}
	return admin.GroupInfo{}, "", notFound("Group", id)
}

// groupResource is a group as a SCIM Group; withMembers false leaves its
// members out (excludedAttributes=members, which Entra ID sends).
func groupResource(info admin.GroupInfo, externalID string, withMembers bool) lib.Resource {
	attrs := lib.ResourceAttributes{"displayName": info.Name}
	if withMembers {
		members := make([]any, 0, len(info.Members))
		for _, m := range info.Members {
			members = append(members, map[string]any{"value": m.ID, "display": m.Email, "type": "User"})
		}
		attrs["members"] = members
	}
	created := info.CreatedAt
	res := lib.Resource{ID: info.ID, Attributes: attrs, Meta: lib.Meta{Created: &created}}
	if externalID != "" {
		res.ExternalID = optional.NewString(externalID)
	}
	return res
}

func withMembers(r *http.Request) bool {
	for _, a := range strings.Split(r.URL.Query().Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "members") {
			return false
		}
	}
	return true
}

// Create makes a group with its externalId and members. The members are
// checked before anything is written.
func (g *groups) Create(r *http.Request, attrs lib.ResourceAttributes) (lib.Resource, error) {
	c := g.h.call(r)
	var in group
	in.set(attrs)
	known, err := g.memberIDs(c, in.members, nil)
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	grp, err := g.h.Admin.CreateGroup(c.ctx, c.actor(), c.tenant(), in.name, "")
	if errors.Is(err, store.ErrConflict) {
		return lib.Resource{}, scimerr.ScimError{ScimType: scimerr.ScimTypeUniqueness, Status: http.StatusConflict,
			Detail: fmt.Sprintf("the tenant already has a group named %q: find it with filter=displayName eq %q", in.name, in.name)}
	}
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	if err := g.save(c, admin.GroupInfo{Group: grp}, "", in, known); err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	return g.reread(r, c, grp.ID)
}

func (in *group) set(attrs lib.ResourceAttributes) {
	in.name, _ = attrs["displayName"].(string)
	in.externalID, _ = attrs["externalId"].(string)
	in.members = nil
	in.add(attrs["members"])
}

// add adds the members a members value lists ([{"value": ID}, ...]).
func (in *group) add(v any) {
	for _, id := range valuesOf(v) {
		if !slices.Contains(in.members, id) {
			in.members = append(in.members, id)
		}
	}
}

func (in *group) remove(ids []string) {
	in.members = slices.DeleteFunc(in.members, func(id string) bool { return slices.Contains(ids, id) })
}

// valuesOf reads the value of each item of a members value.
func valuesOf(v any) []string {
	var out []string
	items, ok := v.([]any)
	if !ok && v != nil {
		items = []any{v}
	}
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			if id, _ := m["value"].(string); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// memberIDs checks that every ID is a member of the tenant, and that each
// not in had (the group's members now) may be added by SCIM (see
// manageable), and returns the tenant's members by ID.
func (g *groups) memberIDs(c call, ids, had []string) (map[string]store.Member, error) {
	ms, err := g.h.Store.Members(c.ctx, c.tenant())
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.Member, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
	}
	for _, id := range ids {
		m, ok := byID[id]
		if !ok {
			return nil, badRequest(scimerr.ScimTypeInvalidValue, "member %s is not a User of this tenant", id)
		}
		if err := manageable(m); err != nil && !slices.Contains(had, id) {
			return nil, badRequest(scimerr.ScimTypeInvalidValue, "member %s cannot be added to a group: %s", id, store.Message(err))
		}
	}
	return byID, nil
}

// save makes the group (now info, externalId was) what in says: its name,
// its externalId and its members, each change through admin, audited.
func (g *groups) save(c call, info admin.GroupInfo, was string, in group, known map[string]store.Member) error {
	if in.name != info.Name {
		if _, err := g.h.Admin.RenameGroup(c.ctx, c.actor(), c.tenant(), info.ID, in.name); err != nil {
			return err
		}
	}
	if in.externalID != was {
		err := g.h.Store.Update(c.ctx, func(tx store.Tx) error {
			if err := tx.PutExternalID(c.ctx, store.ExternalID{TenantID: c.tenant(), Kind: store.ExternalGroup, ID: info.ID,
				ExternalID: in.externalID}); err != nil {
				return err
			}
			return store.AppendAudit(c.ctx, tx, c.tenant(), c.actor(), "group.external_id_set", "group:"+info.ID,
				map[string]any{"group": in.name, "external_id": in.externalID, "was": was}, c.now)
		})
		if err != nil {
			return err
		}
	}
	var had []string
	for _, m := range info.Members {
		had = append(had, m.ID)
	}
	for _, id := range in.members {
		if slices.Contains(had, id) {
			continue
		}
		if _, ok := known[id]; !ok {
			return badRequest(scimerr.ScimTypeInvalidValue, "member %s is not a User of this tenant", id)
		}
		if _, _, err := g.h.Admin.AddToGroup(c.ctx, c.actor(), c.tenant(), info.ID, id); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	for _, id := range had {
		if slices.Contains(in.members, id) {
			continue
		}
		if _, _, err := g.h.Admin.RemoveFromGroup(c.ctx, c.actor(), c.tenant(), info.ID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// commit checks in's members, saves in over the group (now info,
// externalId was) and answers the result.
func (g *groups) commit(r *http.Request, c call, info admin.GroupInfo, was string, in group) (lib.Resource, error) {
	var had []string
	for _, m := range info.Members {
		had = append(had, m.ID)
	}
	known, err := g.memberIDs(c, in.members, had)
	if err == nil {
		err = g.save(c, info, was, in, known)
	}
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	return g.reread(r, c, info.ID)
}

func (g *groups) reread(r *http.Request, c call, id string) (lib.Resource, error) {
	info, ext, err := g.one(c, id)
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	return groupResource(info, ext, withMembers(r)), nil
}

// Get answers one group.
func (g *groups) Get(r *http.Request, id string) (lib.Resource, error) {
	return g.reread(r, g.h.call(r), id)
}

// GetAll lists the tenant's groups that pass the filter (displayName eq
// and externalId eq are what identity providers send).
func (g *groups) GetAll(r *http.Request, params lib.ListRequestParams) (lib.Page, error) {
	c := g.h.call(r)
	infos, ext, err := g.all(c)
	if err != nil {
		return lib.Page{}, g.h.scimError(r, err)
	}
	out := make([]lib.Resource, 0, len(infos))
	full := withMembers(r)
	for _, info := range infos {
		// The filter sees the members even when the answer leaves them out.
		if passes(params, groupResource(info, ext[info.ID], true)) {
			out = append(out, groupResource(info, ext[info.ID], full))
		}
	}
	return page(out, params), nil
}

// Replace (PUT) sets the name, externalId and members: absent ones are
// removed.
func (g *groups) Replace(r *http.Request, id string, attrs lib.ResourceAttributes) (lib.Resource, error) {
	c := g.h.call(r)
	info, was, err := g.one(c, id)
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	var in group
	in.set(attrs)
	return g.commit(r, c, info, was, in)
}

// Patch applies the operations (Okta: members add, members[value eq
// "ID"] remove, displayName replace; Entra ID: members Add and Remove
// with a value list), then saves the result.
func (g *groups) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	c := g.h.call(r)
	info, was, err := g.one(c, id)
	if err != nil {
		return lib.Resource{}, g.h.scimError(r, err)
	}
	in := group{name: info.Name, externalID: was}
	for _, m := range info.Members {
		in.members = append(in.members, m.ID)
	}
	for _, op := range ops {
		if op.Path != nil && op.Path.ValueExpression != nil {
			err = in.removeMatching(op)
		} else {
			err = forEachTarget(op, in.apply)
		}
		if err != nil {
			return lib.Resource{}, err
		}
	}
	return g.commit(r, c, info, was, in)
}

// apply is one operation on one attribute of the group (see user.apply).
func (in *group) apply(op, uri, attr, _ string, v any) error {
	if uri != "" && !strings.EqualFold(uri, "urn:ietf:params:scim:schemas:core:2.0:Group") {
		return nil
	}
	s, _ := v.(string)
	switch strings.ToLower(attr) {
	case "displayname":
		if op == lib.PatchOperationRemove {
			return badRequest(scimerr.ScimTypeMutability, "displayName cannot be removed")
		}
		in.name = s
	case "externalid":
		in.externalID = s
	case "members":
		switch {
		case op == lib.PatchOperationAdd:
			in.add(v)
		case op == lib.PatchOperationReplace:
			in.members = nil
			in.add(v)
		case v == nil: // remove every member
			in.members = nil
		default:
			in.remove(valuesOf(v))
		}
	}
	return nil
}

// removeMatching is a remove of members[value eq "ID" (or value eq ...)],
// as Okta sends it.
func (in *group) removeMatching(op lib.PatchOperation) error {
	if op.Op != lib.PatchOperationRemove || !strings.EqualFold(op.Path.AttributePath.AttributeName, "members") {
		return badRequest(scimerr.ScimTypeInvalidPath, "only members may be filtered in a path, and only to remove them")
	}
	var ids []string
	var walk func(e filter.Expression) bool
	walk = func(e filter.Expression) bool {
		switch e := e.(type) {
		case *filter.AttributeExpression:
			id, ok := e.CompareValue.(string)
			if e.Operator != filter.EQ || !strings.EqualFold(e.AttributePath.AttributeName, "value") || !ok {
				return false
			}
			ids = append(ids, id)
			return true
		case *filter.LogicalExpression:
			return e.Operator == filter.OR && walk(e.Left) && walk(e.Right)
		}
		return false
	}
	if !walk(op.Path.ValueExpression) {
		return badRequest(scimerr.ScimTypeInvalidFilter, "a members filter must be value eq \"ID\", or several joined by or")
	}
	in.remove(ids)
	return nil
}

// Delete deletes the group with its memberships and the policy
// assignments to it (admin.DeleteGroup).
func (g *groups) Delete(r *http.Request, id string) error {
	c := g.h.call(r)
	if _, _, err := g.one(c, id); err != nil {
		return g.h.scimError(r, err)
	}
	if _, err := g.h.Admin.DeleteGroup(c.ctx, c.actor(), c.tenant(), id); err != nil {
		return g.h.scimError(r, err)
	}
	return nil
}
