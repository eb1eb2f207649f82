package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrForbidden: the member who asks may not make this change (their role
// does not allow it, or it is about themselves).
var ErrForbidden = errors.New("not allowed")

// By is who asks for a change to members: a signed-in member of the
// tenant, held to the role rules below, or the operator at the CLI (the
// break-glass path), who may do anything, always audited.
//
// The rules, for a member who asks:
//   - only owners and admins manage members;
//   - only an owner makes, unmakes, removes or issues a link for an owner;
//   - only an owner changes an admin's role (else an admin could demote
//     another admin, recover them as a member and promote them back);
//   - a link for an admin who already exists (a recovery, or a fresh
//     first link for an admin invited earlier who has not registered yet)
//     takes an owner: whoever holds the link becomes that admin, so an
//     admin must not be able to take over another admin's pending seat;
//   - nobody issues a link for themselves (they add a passkey instead);
//   - the tenant always keeps one owner.
type By struct {
	// Actor names them in audit records.
	Actor string
	// Member is the member who asks; nil for the operator.
	Member *store.Member
}

// Operator is the CLI's operator, named actor in audit records.
func Operator(actor string) By { return By{Actor: actor} }

// AsMember is member m, signed in to the portal.
func AsMember(m store.Member) By { return By{Actor: "member:" + m.Email, Member: &m} }

// AsToken is an API token of tenantID (package apitoken), named actor in
// audit records. A token is not a person: it is held to an admin's rules,
// so it adds admins, approvers and members but never an owner, whom only
// an owner hands out.
func AsToken(tenantID, actor string) By {
	return By{Actor: actor, Member: &store.Member{TenantID: tenantID, Role: store.RoleAdmin}}
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

// manages checks that b may manage the members of tenantID at all.
func (b By) manages(tenantID string) error {
	if b.Member == nil {
		return nil
	}
	if b.Member.TenantID != tenantID {
		return fmt.Errorf("member: %w", store.ErrNotFound)
	}
	if !Administers(*b.Member) {
		return forbidden("only owners and admins manage members")
	}
	return nil
}

// Administers reports whether m may administer their tenant (manage its
// members, applications and settings): owners and admins.
func Administers(m store.Member) bool { return m.Role == store.RoleOwner || m.Role == store.RoleAdmin }

// Oversees reports whether m may read everything an administrator reads
// in their tenant (the admin pages, the audit trail, every request's
// details): owners, admins and auditors. An auditor changes nothing.
func Oversees(m store.Member) bool { return Administers(m) || m.Role == store.RoleAuditor }

func (b By) isOwner() bool { return b.Member == nil || b.Member.Role == store.RoleOwner }

// MayChange refuses, as ErrForbidden, a change (what: "remove", "rename",
// "lock down"...) to owner m asked by anyone but an owner or the
// operator: an admin, or an API token, held to an admin's rules, acts on
// no owner. It says nothing of whether b manages m's tenant at all.
func (b By) MayChange(m store.Member, what string) error {
	if m.Role == store.RoleOwner && !b.isOwner() {
		return forbidden("only an owner may %s an owner", what)
	}
	return nil
}

// mayLink checks that b may issue a one-time link for m; created is true
// when m was made by this same request.
func (b By) mayLink(m store.Member, created bool) error {
	if err := b.manages(m.TenantID); err != nil {
		return err
	}
	switch {
	case b.Member == nil:
		return nil
	case b.Member.ID == m.ID:
		return forbidden("nobody may issue a link for themselves; add a passkey on the Passkeys page instead")
	case m.Role == store.RoleOwner && !b.isOwner():
		return forbidden("only an owner may issue a link for an owner")
	case !created && m.Role == store.RoleAdmin && !b.isOwner():
		return forbidden("only an owner may issue a link for an existing admin (%s)", m.Email)
	}
	return nil
}

func checkRole(role string) error {
	switch role {
	case store.RoleOwner, store.RoleAdmin, store.RoleApprover, store.RoleMember, store.RoleAuditor:
		return nil
	}
	return invalid("role must be owner, admin, approver, member or auditor, not %q", role)
}

// Invitation is a member with a fresh one-time link to register a passkey.
type Invitation struct {
	Member store.Member
	Invite store.Invite
	Secret string // goes in the link; never stored
	// Recovery is true when the member already had a passkey: the link
	// lets whoever holds it sign in as them, so it was audited as a
	// recovery and the member was told on every channel they have.
	Recovery bool
	// Notified lists the channels the member is told of the recovery on
	// (none when this deployment delivers none they have).
	Notified []string
}

// Invite gives the tenant's member with email a one-time link to register
// a passkey, creating the member with role (default member) and name if the
// tenant has none with that email. An existing member keeps their role; a
// different role asked for is store.ErrConflict (use SetRole). A link for
// a member who already has a passkey is a recovery: see By for who may
// issue one; it is audited as member.recovery_issued and the member hears
// of it by every channel they have. A refusal writes nothing.
func (s *Service) Invite(ctx context.Context, by By, tenantID, email, name, role string, ttl time.Duration) (Invitation, error) {
	if err := by.manages(tenantID); err != nil {
		return Invitation{}, err
	}
	var out Invitation
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		m, err := tx.MemberByEmail(ctx, tenantID, strings.TrimSpace(email))
		created := errors.Is(err, store.ErrNotFound)
		switch {
		case created:
			if role == store.RoleOwner && !by.isOwner() {
				return forbidden("only an owner may invite an owner")
			}
			if m, err = CreateMemberTx(ctx, tx, by.Actor, NewMember{TenantID: tenantID, Email: email, Name: name, Role: role}, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case !m.EmailVerified():
			// A link for a self-registered member would put a second
			// person's passkey on the first one's membership.
			return Bindable(m)
		case role != "" && role != m.Role:
			return fmt.Errorf("member %s already has role %s, not %s (change it with set-role): %w", m.Email, m.Role, role, store.ErrConflict)
		}
		keys, err := tx.Passkeys(ctx, m.ID)
		if err != nil {
			return err
		}
		out.Member, out.Recovery = m, len(keys) > 0
		if err := by.mayLink(m, created); err != nil {
			return err
		}
		out.Secret, out.Invite, err = CreateInviteTx(ctx, tx, by.Actor, m, ttl, now)
		if err != nil || !out.Recovery {
			return err
		}
		if err := store.AppendAudit(ctx, tx, m.TenantID, by.Actor, "member.recovery_issued", "member:"+m.ID,
			map[string]any{"email": m.Email, "role": m.Role, "passkeys": len(keys), "expires": out.Invite.ExpiresAt}, now); err != nil {
			return err
		}
		out.Notified, err = notify.EnqueueRecovery(ctx, tx, m, notify.Recovery{By: by.Actor, At: now, Expires: out.Invite.ExpiresAt}, s.channels(), now)
		return err
	})
	return out, err
}

func (s *Service) channels() []string {
	if s.Notify == nil {
		return []string{store.ChannelEmail, store.ChannelPush}
	}
	return s.Notify
}

// Member finds a member of the tenant by ID or email.
func (s *Service) Member(ctx context.Context, tenantID, ref string) (store.Member, error) {
	m, err := s.Store.MemberByEmail(ctx, tenantID, strings.TrimSpace(ref))
	if errors.Is(err, store.ErrNotFound) {
		if m, err = s.Store.Member(ctx, ref); err == nil && m.TenantID != tenantID {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return m, fmt.Errorf("member %q: %w", ref, store.ErrNotFound)
	}
	return m, err
}

// memberTx reads the member with id inside tx and checks that by manages
// its tenant; a member of another tenant is ErrNotFound.
func memberTx(ctx context.Context, tx store.MemberReader, by By, id string) (store.Member, error) {
	m, err := tx.Member(ctx, id)
	if err != nil {
		return m, fmt.Errorf("member %q: %w", id, err)
	}
	if by.Member != nil && by.Member.TenantID != m.TenantID {
		return store.Member{}, fmt.Errorf("member %q: %w", id, store.ErrNotFound)
	}
	return m, by.manages(m.TenantID)
}

// keepOwner refuses, as store.ErrConflict, to leave m's tenant without an
// owner when m stops being one.
func keepOwner(ctx context.Context, tx store.MemberReader, m store.Member) error {
	if m.Role != store.RoleOwner {
		return nil
	}
	all, err := tx.Members(ctx, m.TenantID)
	if err != nil {
		return err
	}
	owners := 0
	for _, o := range all {
		if o.Role == store.RoleOwner {
			owners++
		}
	}
	if owners < 2 {
		return fmt.Errorf("%s is the tenant's last owner; make another owner first: %w", m.Email, store.ErrConflict)
	}
	return nil
}

// auditThenRecheck records the change first: appending to the audit chain
// serialises the tenant's changes (see store.Tx.AppendAudit), so what is
// read after it — the member's role again, and the owners keepOwner
// counts — cannot be changed meanwhile by a concurrent transaction, and
// two owners demoted at once cannot leave the tenant without one. A role
// that changed before the lock is store.ErrConflict: try again.
func auditThenRecheck(ctx context.Context, tx store.MemberTx, by By, m store.Member, action string, data map[string]any, now time.Time) error {
	if err := store.AppendAudit(ctx, tx, m.TenantID, by.Actor, action, "member:"+m.ID, data, now); err != nil {
		return err
	}
	again, err := tx.Member(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("member %q: %w", m.ID, err)
	}
	if again.Role != m.Role {
		return fmt.Errorf("member %s changed meanwhile; try again: %w", m.Email, store.ErrConflict)
	}
	return nil
}

// SetRole changes a member's role, audited as member.role_changed. Only
// owners make or unmake owners or change an admin's role, and the last
// owner stays one (store.ErrConflict). The member's open links are voided:
// whoever issued them was judged against the old role. Setting the role a
// member has changes nothing.
func (s *Service) SetRole(ctx context.Context, by By, memberID, role string) (store.Member, error) {
	if err := checkRole(role); err != nil {
		return store.Member{}, err
	}
	var m store.Member
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if m, err = memberTx(ctx, tx, by, memberID); err != nil {
			return err
		}
		if m.Role == role {
			return nil
		}
		if (role == store.RoleOwner || m.Role == store.RoleOwner) && !by.isOwner() {
			return forbidden("only an owner may make or unmake owners")
		}
		if m.Role == store.RoleAdmin && !by.isOwner() {
			return forbidden("only an owner may change an admin's role")
		}
		now := s.Clock.Now()
		if err := auditThenRecheck(ctx, tx, by, m, "member.role_changed",
			map[string]any{"email": m.Email, "from": m.Role, "to": role}, now); err != nil {
			return err
		}
		if role != store.RoleOwner {
			if err := keepOwner(ctx, tx, m); err != nil {
				return err
			}
		}
		m.Role, m.UpdatedAt = role, now
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		_, err = tx.DeleteMemberInvites(ctx, m.ID, "")
		return err
	})
	return m, err
}

// RemoveMember removes a member with their passkeys, sessions, invites and
// push subscriptions, audited as member.removed. The accounts they owned
// stay enrolled, unlinked: they are locked (LockOwnedTx: their open
// grants are revoked and account.locked announced) and stay locked until
// someone links them again. Only owners remove owners; nobody removes themselves; the last
// owner stays (store.ErrConflict).
func (s *Service) RemoveMember(ctx context.Context, by By, memberID string) (store.Member, int, error) {
	var m store.Member
	unlinked := 0
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if m, err = memberTx(ctx, tx, by, memberID); err != nil {
			return err
		}
		switch {
		case by.Member != nil && by.Member.ID == m.ID:
			return forbidden("nobody may remove themselves")
		}
		if err := by.MayChange(m, "remove"); err != nil {
			return err
		}
		now := s.Clock.Now()
		// Their accounts lose their owner and so lock: close them as a
		// hard lock does, or an open grant would keep one open.
		revoked, err := LockOwnedTx(ctx, tx, m.ID, now)
		if err != nil {
			return err
		}
		if err := auditThenRecheck(ctx, tx, by, m, "member.removed",
			map[string]any{"email": m.Email, "role": m.Role, "grants_revoked": revoked}, now); err != nil {
			return err
		}
		if err := keepOwner(ctx, tx, m); err != nil {
			return err
		}
		for {
			accts, err := tx.AccountsOfOwner(ctx, m.ID, 1000)
			if err != nil {
				return err
			}
			if len(accts) == 0 {
				break
			}
			for _, a := range accts {
				if err := tx.SetAccountOwner(ctx, a.ID, "", now); err != nil {
					return err
				}
			}
			unlinked += len(accts)
		}
		return tx.DeleteMember(ctx, m.ID)
	})
	return m, unlinked, err
}

// NewMember describes a member to create.
type NewMember struct {
	TenantID, Email, Name string
	Role                  string // default member
	// ID is the member's ID when it was chosen before (a passkey was
	// registered for the draft member); empty means a new one.
	ID string
	// SelfRegistered: the person registered themselves (through an
	// enablement link), so the email is their claim, not verified.
	SelfRegistered bool
}

// AddMember creates a member on behalf of b, held to b's rules: only
// owners and admins add members, and only an owner adds an owner.
func (s *Service) AddMember(ctx context.Context, b By, n NewMember) (store.Member, error) {
	if err := b.manages(n.TenantID); err != nil {
		return store.Member{}, err
	}
	if n.Role == store.RoleOwner && !b.isOwner() {
		return store.Member{}, forbidden("only an owner adds an owner; an owner does that in the portal or the CLI")
	}
	return s.CreateMember(ctx, b.Actor, n)
}

// CreateMember creates a member; the role defaults to member.
func (s *Service) CreateMember(ctx context.Context, actor string, n NewMember) (store.Member, error) {
	var m store.Member
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		m, err = CreateMemberTx(ctx, tx, actor, n, s.Clock.Now())
		return err
	})
	return m, err
}

// ErrEmailUnverified: the member named by email registered themselves
// through an enablement link and has not verified that email, so nothing
// may be bound to them by it (no account, invite or import row). It is a
// store.ErrConflict (the CLI exits 1, the portal answers 409 or 400).
var ErrEmailUnverified error = unverifiedError{}

type unverifiedError struct{}

func (unverifiedError) Error() string        { return "email not confirmed" }
func (unverifiedError) Is(target error) bool { return target == store.ErrConflict }

// Bindable returns nil when accounts, invites and imports may name m by
// email: m's email is verified. Otherwise it is ErrEmailUnverified, saying
// what to do about it.
func Bindable(m store.Member) error {
	if m.EmailVerified() {
		return nil
	}
	return fmt.Errorf("%s registered through an enablement link and has not confirmed that address yet, so nothing is "+
		"given to them by email; they confirm it on the portal's Notifications page, or an admin removes that member "+
		"(deadbolt member remove): %w", m.Email, ErrEmailUnverified)
}

// Record validates n and returns the member it describes, created at
// now: the email lower-cased and checked, the role member unless given,
// and the email verified unless the member registered themselves (see
// CreateMemberTx). Callers that write members without an audit event of
// their own (an import, audited once as a whole) write this record.
func (n NewMember) Record(now time.Time) (store.Member, error) {
	email := strings.ToLower(strings.TrimSpace(n.Email))
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t,;<>") {
		return store.Member{}, invalid("email %q is not an email address", n.Email)
	}
	role := or(n.Role, store.RoleMember)
	if err := checkRole(role); err != nil {
		return store.Member{}, err
	}
	if n.SelfRegistered && role != store.RoleMember {
		return store.Member{}, invalid("a member who registers themselves is a plain member, not %s", role)
	}
	m := store.Member{ID: or(n.ID, ids.New()), TenantID: n.TenantID, Email: email, Name: strings.TrimSpace(n.Name),
		Role: role, CreatedAt: now, UpdatedAt: now, EmailVerifiedAt: now}
	if n.SelfRegistered {
		m.EmailVerifiedAt = time.Time{} // their own claim, until they confirm it
	}
	return m, nil
}

// CreateMemberTx creates a member inside tx, with its audit event. The
// member's email counts as verified: whoever creates a member (an
// operator, an admin, an application's server) names the email, and
// vouches for it (docs/portal.md, "Whose email is trusted"), unless
// n.SelfRegistered says the member named it themselves.
func CreateMemberTx(ctx context.Context, tx store.MemberTx, actor string, n NewMember, now time.Time) (store.Member, error) {
	m, err := n.Record(now)
	if err != nil {
		return store.Member{}, err
	}
	if err := tx.CreateMember(ctx, m); err != nil {
		return store.Member{}, fmt.Errorf("member %s: %w", m.Email, err)
	}
	data := map[string]any{"email": m.Email, "role": m.Role}
	if n.SelfRegistered {
		data["via"] = "enablement"
	}
	return m, store.AppendAudit(ctx, tx, m.TenantID, actor, "member.created", "member:"+m.ID, data, now)
}

// RenameMember sets a member's display name, audited as member.renamed.
// Setting the name a member has changes nothing. It is held to b's rules
// for managing members: only an owner renames an owner.
func (s *Service) RenameMember(ctx context.Context, by By, memberID, name string) (store.Member, error) {
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return store.Member{}, invalid("the name is longer than 200 characters")
	}
	var m store.Member
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if m, err = memberTx(ctx, tx, by, memberID); err != nil || m.Name == name {
			return err
		}
		if err := by.MayChange(m, "rename"); err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := store.AppendAudit(ctx, tx, m.TenantID, by.Actor, "member.renamed", "member:"+m.ID,
			map[string]any{"email": m.Email, "from": m.Name, "to": name}, now); err != nil {
			return err
		}
		m.Name, m.UpdatedAt = name, now
		return tx.UpdateMember(ctx, m)
	})
	return m, err
}

// maxAnnounced bounds the accounts of one member announced as locked.
const maxAnnounced = 10000

// LockOwnedTx closes every account member memberID owns, as a hard lock
// does: it enqueues account.locked for each of them, open or not, and
// revokes their open grants, inside tx. It returns how many grants it
// revoked; the caller audits the change.
func LockOwnedTx(ctx context.Context, tx store.Tx, memberID string, now time.Time) (int, error) {
	accts, err := tx.AccountsOfOwner(ctx, memberID, maxAnnounced)
	if err != nil {
		return 0, err
	}
	apps := map[string]store.Application{}
	for _, a := range accts {
		app, ok := apps[a.AppID]
		if !ok {
			if app, err = tx.Application(ctx, a.AppID); err != nil {
				return 0, err
			}
			apps[a.AppID] = app
		}
		if err := notify.Enqueue(ctx, tx, notify.Change{App: app, Account: a.Name, Locked: true}, now); err != nil {
			return 0, err
		}
	}
	return tx.RevokeGrantsOfOwner(ctx, memberID, now)
}
