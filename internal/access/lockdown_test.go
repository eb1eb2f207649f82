package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestLockDownMember: an admin's lockdown of a member hard-locks every
// account they own and ends its open unlock; the member's own actions do
// not open it; lifting the lockdown opens nothing.
func TestLockDownMember(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if r := e.checkAccount("alice", "203.0.113.7"); r.Locked {
		t.Fatalf("unlocked account answers %+v", r)
	}
	m, err := e.access.LockDownMember(ctx, "cli:root", e.owner.ID, true)
	if err != nil || !m.LockedDown {
		t.Fatalf("LockDownMember: %+v, %v", m, err)
	}
	if r := e.checkAccount("alice", "203.0.113.7"); !r.Locked {
		t.Fatalf("account of a locked-down member answers %+v", r)
	}
	if r := e.checkAccount("bob", "203.0.113.7"); !r.Locked {
		t.Fatal("sanity: bob's account starts locked")
	}
	if _, err := e.access.LockDownMember(ctx, "cli:root", e.owner.ID, false); err != nil {
		t.Fatal(err)
	}
	// The unlock ended with the lockdown: lifting it opens nothing.
	if r := e.checkAccount("alice", "203.0.113.7"); !r.Locked {
		t.Fatalf("lifting the lockdown opened the account: %+v", r)
	}
	recs, _ := e.store.AuditRecords(ctx, e.app.TenantID, 0, 100)
	var actions []string
	for _, r := range recs {
		if r.Target == "member:"+e.owner.ID {
			actions = append(actions, r.Action)
		}
	}
	if len(actions) < 2 || actions[len(actions)-2] != "member.locked_down" || actions[len(actions)-1] != "member.lockdown_lifted" {
		t.Fatalf("audit of the member: %v", actions)
	}
	if _, err := e.access.LockDownMember(ctx, "cli:root", "nope", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LockDownMember of an unknown member: %v, want ErrNotFound", err)
	}
}
