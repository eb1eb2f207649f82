package scim

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	lib "github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/scim2/filter-parser/v2"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// users serves /Users: the tenant's members.
type users struct{ h *Handler }

// user is a User as deadbolt keeps it: a member (email, name, whether it
// is locked down), its externalId, and the enrolment the request asks for.
type user struct {
	email, name string
	active      bool
	externalID  string
	app         string // ApplicationSchema's application; "" for none
	account     string // and accountId
}

var coreUser = schema.CoreUserSchema().ID

func (u *users) member(c call, id string) (store.Member, error) {
	m, err := u.h.Store.Member(c.ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.TenantID != c.tenant()) {
		return store.Member{}, notFound("User", id)
	}
	return m, err
}

func (u *users) externalIDs(c call) (map[string]string, error) {
	return u.h.Store.ExternalIDs(c.ctx, c.tenant(), store.ExternalMember)
}

// load reads the tenant's member id and its externalId.
func (u *users) load(c call, id string) (store.Member, string, error) {
	m, err := u.member(c, id)
	if err != nil {
		return m, "", err
	}
	ext, err := u.externalIDs(c)
	return m, ext[m.ID], err
}

// userResource is member m as a SCIM User. Its attributes are the plain
// maps and slices a filter reads.
func userResource(m store.Member, externalID string) lib.Resource {
	attrs := lib.ResourceAttributes{
		"userName": m.Email,
		"active":   !m.LockedDown,
		"emails":   []any{map[string]any{"value": m.Email, "type": "work", "primary": true}},
	}
	if m.Name != "" {
		given, family := splitName(m.Name)
		name := map[string]any{"formatted": m.Name, "givenName": given}
		if family != "" {
			name["familyName"] = family
		}
		attrs["displayName"], attrs["name"] = m.Name, name
	}
	created, modified := m.CreatedAt, m.UpdatedAt
	res := lib.Resource{ID: m.ID, Attributes: attrs, Meta: lib.Meta{Created: &created, LastModified: &modified,
		Version: fmt.Sprintf(`W/"%d"`, m.UpdatedAt.UnixNano())}}
	if externalID != "" {
		res.ExternalID = optional.NewString(externalID)
	}
	return res
}

// splitName reads a display name as a given name and a family name: the
// last word is the family name. deadbolt keeps one name per member.
func splitName(name string) (given, family string) {
	name = strings.TrimSpace(name)
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return name, ""
	}
	return strings.TrimSpace(name[:i]), name[i+1:]
}

func joinName(given, family string) string { return strings.TrimSpace(given + " " + family) }

// Create provisions a member; see the package documentation.
func (u *users) Create(r *http.Request, attrs lib.ResourceAttributes) (lib.Resource, error) {
	c := u.h.call(r)
	in := user{active: true}
	if err := in.set(attrs); err != nil {
		return lib.Resource{}, err
	}
	app, err := u.application(c, in)
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	var m store.Member
	err = u.h.Store.Update(c.ctx, func(tx store.Tx) error {
		var err error
		if m, err = admin.CreateMemberTx(c.ctx, tx, c.actor(), admin.NewMember{TenantID: c.tenant(), Email: in.email, Name: in.name}, c.now); err != nil {
			return err
		}
		return u.bind(c, tx, m, "", in, app)
	})
	if errors.Is(err, store.ErrConflict) && !errors.Is(err, access.ErrOwnedByAnother) {
		return lib.Resource{}, scimerr.ScimError{ScimType: scimerr.ScimTypeUniqueness, Status: http.StatusConflict,
			Detail: fmt.Sprintf("the tenant already has a member with userName %s: find it with filter=userName eq %q", in.email, in.email)}
	}
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	if !in.active {
		if m, err = u.h.Access.LockDownMember(c.ctx, c.actor(), m.ID, true); err != nil {
			return lib.Resource{}, u.h.scimError(r, err)
		}
	}
	return userResource(m, in.externalID), nil
}

// set reads a whole User (POST, PUT), as the library validated it.
func (in *user) set(attrs lib.ResourceAttributes) error {
	if v, ok := attrs["userName"].(string); ok {
		in.email = v
	}
	if !strings.Contains(in.email, "@") {
		return badRequest(scimerr.ScimTypeInvalidValue, "userName %q is not an email address: deadbolt knows a member by "+
			"email, so map the user's email (Entra ID: mail or userPrincipalName) to userName", in.email)
	}
	if v, ok := attrs["externalId"].(string); ok {
		in.externalID = v
	}
	if v, ok := attrs["active"].(bool); ok {
		in.active = v
	}
	if n, ok := attrs["name"].(map[string]any); ok {
		in.name = nameOf(n)
	}
	if v, ok := attrs["displayName"].(string); ok && strings.TrimSpace(v) != "" {
		in.name = v
	}
	if ext, ok := attrs[ApplicationSchema].(map[string]any); ok {
		in.app, _ = ext["application"].(string)
		in.account, _ = ext["accountId"].(string)
	}
	return nil
}

func nameOf(n map[string]any) string {
	if f, _ := n["formatted"].(string); strings.TrimSpace(f) != "" {
		return f
	}
	given, _ := n["givenName"].(string)
	family, _ := n["familyName"].(string)
	return joinName(given, family)
}

// application is the application in.app names, or none.
func (u *users) application(c call, in user) (store.Application, error) {
	if strings.TrimSpace(in.app) == "" {
		if strings.TrimSpace(in.account) != "" {
			return store.Application{}, badRequest(scimerr.ScimTypeInvalidValue, "%s: accountId needs application", ApplicationSchema)
		}
		return store.Application{}, nil
	}
	app, err := u.h.Admin.TenantApp(c.ctx, c.tenant(), in.app)
	if errors.Is(err, store.ErrNotFound) {
		return app, badRequest(scimerr.ScimTypeInvalidValue, "%s: %s", ApplicationSchema, store.Message(err))
	}
	return app, err
}

// bind gives member m in.externalID (it had was) and enrols (or links)
// the account in.account, or the userName, at app, inside tx, audited.
func (u *users) bind(c call, tx store.Tx, m store.Member, was string, in user, app store.Application) error {
	if in.externalID != was {
		if err := tx.PutExternalID(c.ctx, store.ExternalID{TenantID: c.tenant(), Kind: store.ExternalMember, ID: m.ID, ExternalID: in.externalID}); err != nil {
			return err
		}
		if err := store.AppendAudit(c.ctx, tx, c.tenant(), c.actor(), "member.external_id_set", "member:"+m.ID,
			map[string]any{"email": m.Email, "external_id": in.externalID, "was": was}, c.now); err != nil {
			return err
		}
	}
	if app.ID == "" {
		return nil
	}
	// The account goes to the member named by userName, an email: not to
	// one who registered themselves with that address and never proved it.
	if err := admin.Bindable(m); err != nil {
		return err
	}
	account := strings.TrimSpace(in.account)
	if account == "" {
		account = m.Email
	}
	_, _, err := access.LinkTx(c.ctx, tx, c.actor(), app, account, m, c.now)
	return err
}

// save makes member m (whose externalId is was) what in says: the
// externalId and enrolment in one transaction, then its name and its
// lockdown through the services that own them.
func (u *users) save(r *http.Request, c call, m store.Member, was string, in user) (lib.Resource, error) {
	if !strings.EqualFold(strings.TrimSpace(in.email), m.Email) {
		return lib.Resource{}, badRequest(scimerr.ScimTypeMutability, "deadbolt does not change a member's email (userName %s); "+
			"remove the user and provision them again with the new one", m.Email)
	}
	app, err := u.application(c, in)
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	// A token is held to an admin's rules: it neither renames an owner nor
	// locks one down or lifts their lockdown. Refused before anything
	// changes.
	if strings.TrimSpace(in.name) != m.Name || in.active == m.LockedDown {
		if err := c.by().MayChange(m, "rename, lock down or reactivate"); err != nil {
			return lib.Resource{}, u.h.scimError(r, err)
		}
	}
	if in.externalID != was || app.ID != "" {
		if err := u.h.Store.Update(c.ctx, func(tx store.Tx) error { return u.bind(c, tx, m, was, in, app) }); err != nil {
			return lib.Resource{}, u.h.scimError(r, err)
		}
	}
	if name := strings.TrimSpace(in.name); name != m.Name {
		if m, err = u.h.Admin.RenameMember(c.ctx, c.by(), m.ID, name); err != nil {
			return lib.Resource{}, u.h.scimError(r, err)
		}
	}
	if in.active == m.LockedDown {
		if m, err = u.h.Access.LockDownMember(c.ctx, c.actor(), m.ID, !in.active); err != nil {
			return lib.Resource{}, u.h.scimError(r, err)
		}
	}
	return userResource(m, in.externalID), nil
}

// Get answers one member.
func (u *users) Get(r *http.Request, id string) (lib.Resource, error) {
	c := u.h.call(r)
	m, ext, err := u.load(c, id)
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	return userResource(m, ext), nil
}

// GetAll lists the tenant's members that pass the filter. userName eq,
// which identity providers send before every creation, reads one member
// by email; any other filter is tested on every member.
func (u *users) GetAll(r *http.Request, params lib.ListRequestParams) (lib.Page, error) {
	c := u.h.call(r)
	var ms []store.Member
	var err error
	if email, ok := equals(params, "userName"); ok {
		var m store.Member
		m, err = u.h.Store.MemberByEmail(c.ctx, c.tenant(), strings.ToLower(strings.TrimSpace(email)))
		if err == nil {
			ms = []store.Member{m}
		} else if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	} else {
		ms, err = u.h.Store.Members(c.ctx, c.tenant())
	}
	if err != nil {
		return lib.Page{}, u.h.scimError(r, err)
	}
	ext, err := u.externalIDs(c)
	if err != nil {
		return lib.Page{}, u.h.scimError(r, err)
	}
	out := make([]lib.Resource, 0, len(ms))
	for _, m := range ms {
		if res := userResource(m, ext[m.ID]); passes(params, res) {
			out = append(out, res)
		}
	}
	return page(out, params), nil
}

// Replace (PUT) sets every attribute deadbolt keeps: an absent name or
// externalId is removed; an absent active leaves the lockdown as it is.
func (u *users) Replace(r *http.Request, id string, attrs lib.ResourceAttributes) (lib.Resource, error) {
	c := u.h.call(r)
	m, ext, err := u.load(c, id)
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	in := user{active: !m.LockedDown}
	if err := in.set(attrs); err != nil {
		return lib.Resource{}, err
	}
	return u.save(r, c, m, ext, in)
}

// Patch applies the operations to what deadbolt keeps of the member, then
// saves the result.
func (u *users) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	c := u.h.call(r)
	m, ext, err := u.load(c, id)
	if err != nil {
		return lib.Resource{}, u.h.scimError(r, err)
	}
	in := user{email: m.Email, name: m.Name, active: !m.LockedDown, externalID: ext}
	for _, op := range ops {
		if err := forEachTarget(op, in.apply); err != nil {
			return lib.Resource{}, err
		}
	}
	return u.save(r, c, m, ext, in)
}

// apply is one operation op (add, replace, remove) on one attribute:
// uri is its schema ("" for the core one), attr its name, sub its
// sub-attribute. Attributes deadbolt does not keep are accepted and
// dropped.
func (in *user) apply(op, uri, attr, sub string, v any) error {
	remove := op == lib.PatchOperationRemove
	s, _ := v.(string)
	switch {
	case strings.EqualFold(uri, ApplicationSchema):
		switch strings.ToLower(attr) {
		case "application":
			in.app = s
		case "accountid":
			in.account = s
		}
		return nil
	case uri != "" && !strings.EqualFold(uri, coreUser):
		return nil // the enterprise extension: not kept
	}
	switch strings.ToLower(attr) {
	case "username":
		if remove {
			return badRequest(scimerr.ScimTypeMutability, "userName cannot be removed")
		}
		in.email = s
	case "active":
		b, ok := v.(bool)
		if remove || !ok {
			return badRequest(scimerr.ScimTypeInvalidValue, "active must be true or false")
		}
		in.active = b
	case "displayname":
		in.name = s
	case "externalid":
		in.externalID = s
	case "name":
		given, family := splitName(in.name)
		switch strings.ToLower(sub) {
		case "":
			n, _ := v.(map[string]any)
			in.name = nameOf(n)
		case "formatted":
			in.name = s
		case "givenname":
			in.name = joinName(s, family)
		case "familyname":
			in.name = joinName(given, s)
		}
	}
	return nil
}

// forEachTarget calls apply for every attribute operation op targets: its
// path, or each attribute of its value when it has none (an extension's
// URI as a key holds that extension's attributes).
func forEachTarget(op lib.PatchOperation, apply func(op, uri, attr, sub string, v any) error) error {
	name := strings.ToLower(op.Op)
	if op.Path != nil {
		sub := op.Path.AttributePath.SubAttributeName()
		if op.Path.SubAttribute != nil {
			sub = *op.Path.SubAttribute
		}
		return apply(name, op.Path.AttributePath.URI(), op.Path.AttributePath.AttributeName, sub, op.Value)
	}
	values, ok := op.Value.(map[string]any)
	if !ok {
		return badRequest(scimerr.ScimTypeInvalidValue, "an operation without a path needs an object of attributes as its value")
	}
	for k, v := range values {
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			if ext, ok := v.(map[string]any); ok {
				for ek, ev := range ext {
					if err := apply(name, k, ek, "", ev); err != nil {
						return err
					}
				}
				continue
			}
		}
		p, err := filter.ParseAttrPath([]byte(k))
		if err != nil {
			return badRequest(scimerr.ScimTypeInvalidPath, "%q is not an attribute path", k)
		}
		if err := apply(name, p.URI(), p.AttributeName, p.SubAttributeName(), v); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the member (admin.RemoveMember): their accounts stay
// enrolled, unlinked, and so locked.
func (u *users) Delete(r *http.Request, id string) error {
	c := u.h.call(r)
	if _, err := u.member(c, id); err != nil {
		return u.h.scimError(r, err)
	}
	if _, _, err := u.h.Admin.RemoveMember(c.ctx, c.by(), id); err != nil {
		return u.h.scimError(r, err)
	}
	return nil
}
