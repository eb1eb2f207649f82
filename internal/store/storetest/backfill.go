package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// EmailVerifiedSeed are the rows a backend's migration test writes at the
// schema version before members gained email_verified_at (SQLite's 0008,
// PostgreSQL's 0006), in SQL both databases take: an owner the CLI made,
// m1, and a member who registered through an enablement link, m2, as the
// audit log tells them apart.
const EmailVerifiedSeed = `
	INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', 1);
	INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
		VALUES ('m1', 't1', 'alice@acme.test', 'Alice', 'owner', false, false, 10, 10),
		       ('m2', 't1', 'victim@acme.test', '', 'member', false, false, 20, 20);
	INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, data, prev_hash, hash)
		VALUES ('t1', 1, 10, 'cli', 'member.created', 'member:m1', '{"email":"alice@acme.test","role":"owner"}', 'x', 'y'),
		       ('t1', 2, 20, 'member:victim@acme.test', 'member.created', 'member:m2',
		        '{"email":"victim@acme.test","role":"member","via":"enablement"}', 'y', 'z'),
		       ('t1', 3, 30, 'cli', 'member.note', 'member:m1', 'not json', 'z', 'w')`

// CheckEmailVerifiedBackfill checks EmailVerifiedSeed's members once the
// migration has run: existing members count as verified at their
// creation, except those who registered themselves.
func CheckEmailVerifiedBackfill(t *testing.T, r store.Reader) {
	t.Helper()
	ctx := t.Context()
	alice, err := r.Member(ctx, "m1")
	if err != nil || !alice.EmailVerifiedAt.Equal(time.Unix(0, 10).UTC()) {
		t.Fatalf("operator-made member after migrating: %+v %v, want verified at its creation", alice, err)
	}
	claimed, err := r.Member(ctx, "m2")
	if err != nil || claimed.EmailVerified() {
		t.Fatalf("self-registered member after migrating: %+v %v, want not verified", claimed, err)
	}
}
