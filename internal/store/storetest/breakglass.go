package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testBreakGlass: marks name one account or group of their tenant, codes
// keep their hash, and a code is reported once however many report it at
// once.
func testBreakGlass(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	acct := newAccount(w.app, "root", w.member.ID, t0)
	ops := newGroup(w.tenant.ID, "ops")
	byAccount := store.BreakGlassMark{ID: newID("bg"), TenantID: w.tenant.ID, AccountID: acct.ID, MaxUnlock: time.Hour, CreatedBy: "cli:root", CreatedAt: t0}
	byGroup := store.BreakGlassMark{ID: newID("bg"), TenantID: w.tenant.ID, GroupID: ops.ID, MaxUnlock: 30 * time.Minute, CreatedBy: "cli:root", CreatedAt: at(time.Second)}
	code := store.BreakGlassCode{ID: newID("bc"), TenantID: w.tenant.ID, AppID: w.app.ID, AccountID: acct.ID, Batch: "b1",
		Hash: newID("hash"), CreatedBy: "cli:root", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateAccount", tx.CreateAccount(t.Context(), acct))
		must(t, "CreateGroup", tx.CreateGroup(t.Context(), ops))
		must(t, "MarkBreakGlass", tx.MarkBreakGlass(t.Context(), byAccount))
		must(t, "MarkBreakGlass", tx.MarkBreakGlass(t.Context(), byGroup))
		return tx.CreateBreakGlassCode(t.Context(), code)
	})
	gives(t, "BreakGlassMarks", []store.BreakGlassMark{byAccount, byGroup})(s.BreakGlassMarks(t.Context(), w.tenant.ID))
	gives(t, "BreakGlassCode", code)(s.BreakGlassCode(t.Context(), w.tenant.ID, code.Hash))
	_, err := s.BreakGlassCode(t.Context(), other.tenant.ID, code.Hash)
	wantKind(t, "BreakGlassCode of another tenant", err, store.ErrNotFound)
	empty(t, "BreakGlassMarks of another tenant")(s.BreakGlassMarks(t.Context(), other.tenant.ID))

	runErrorCases(t, s, []errorCase{
		{"account twice", func(tx store.Tx) error {
			m := byAccount
			m.ID = newID("bg")
			return tx.MarkBreakGlass(t.Context(), m)
		}, store.ErrConflict},
		{"account of another tenant", func(tx store.Tx) error {
			m := byAccount
			m.ID, m.TenantID = newID("bg"), other.tenant.ID
			return tx.MarkBreakGlass(t.Context(), m)
		}, store.ErrInvalid},
		{"both targets", func(tx store.Tx) error {
			m := byAccount
			m.ID, m.GroupID = newID("bg"), ops.ID
			return tx.MarkBreakGlass(t.Context(), m)
		}, store.ErrInvalid},
		{"no cap", func(tx store.Tx) error {
			m := byAccount
			m.ID, m.MaxUnlock = newID("bg"), 0
			return tx.MarkBreakGlass(t.Context(), m)
		}, store.ErrInvalid},
		{"same hash", func(tx store.Tx) error {
			c := code
			c.ID = newID("bc")
			return tx.CreateBreakGlassCode(t.Context(), c)
		}, store.ErrConflict},
		{"code for another tenant's account", func(tx store.Tx) error {
			c := code
			c.ID, c.Hash, c.TenantID, c.AppID = newID("bc"), newID("hash"), other.tenant.ID, other.app.ID
			return tx.CreateBreakGlassCode(t.Context(), c)
		}, store.ErrInvalid},
		{"unmark through another tenant", func(tx store.Tx) error {
			return tx.UnmarkBreakGlass(t.Context(), other.tenant.ID, byAccount.ID)
		}, store.ErrNotFound},
		{"report unknown", func(tx store.Tx) error {
			_, err := tx.ReportBreakGlassCode(t.Context(), w.tenant.ID, "nope", t0, t0)
			return err
		}, store.ErrNotFound},
	})

	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if updateOK(t, s, func(tx store.Tx) (bool, error) {
				return tx.ReportBreakGlassCode(t.Context(), w.tenant.ID, code.ID, at(time.Minute), at(time.Hour))
			}) {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent reports of one code took effect, want 1", wins.Load())
	}
	got, err := s.BreakGlassCode(t.Context(), w.tenant.ID, code.Hash)
	must(t, "BreakGlassCode", err)
	if !got.UsedAt.Equal(at(time.Minute)) || !got.ReportedAt.Equal(at(time.Hour)) {
		t.Fatalf("reported code = %+v", got)
	}

	update(t, s, func(tx store.Tx) error { return tx.UnmarkBreakGlass(t.Context(), w.tenant.ID, byGroup.ID) })
	gives(t, "BreakGlassMarks after unmark", []store.BreakGlassMark{byAccount})(s.BreakGlassMarks(t.Context(), w.tenant.ID))
}

// testTemplates: templates keep their lists, are scoped by tenant, and
// keys are unique per tenant.
func testTemplates(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	buy := store.Template{ID: newID("tp"), TenantID: w.tenant.ID, Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item}", Approvers: []string{w.member.ID}, ApproverGroups: []string{}, Mode: store.ModeApprove, Approvals: 1, DenyOn: store.DenyFirst, CreatedAt: t0}
	ship := store.Template{ID: newID("tp"), TenantID: w.tenant.ID, Key: "DEPLOY", Title: "Deploy",
		Text: "", Approvers: []string{}, ApproverGroups: []string{"g1", "g2"}, Mode: store.ModeSignAndApprove,
		Approvals: 2, DenyOn: store.DenyQuorum, Expiry: time.Hour, CreatedAt: t0}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTemplate", tx.CreateTemplate(t.Context(), buy))
		return tx.CreateTemplate(t.Context(), ship)
	})
	gives(t, "Template", buy)(s.Template(t.Context(), w.tenant.ID, "PURCHASE_APPROVAL"))
	gives(t, "Templates", []store.Template{ship, buy})(s.Templates(t.Context(), w.tenant.ID))
	_, err := s.Template(t.Context(), other.tenant.ID, "PURCHASE_APPROVAL")
	wantKind(t, "Template of another tenant", err, store.ErrNotFound)
	runErrorCases(t, s, []errorCase{
		{"same key", func(tx store.Tx) error {
			c := buy
			c.ID = newID("tp")
			return tx.CreateTemplate(t.Context(), c)
		}, store.ErrConflict},
		{"bad mode", func(tx store.Tx) error {
			c := buy
			c.ID, c.Key, c.Mode = newID("tp"), "OTHER", "maybe"
			return tx.CreateTemplate(t.Context(), c)
		}, store.ErrInvalid},
		{"no approvals", func(tx store.Tx) error {
			c := buy
			c.ID, c.Key, c.Approvals = newID("tp"), "OTHER", 0
			return tx.CreateTemplate(t.Context(), c)
		}, store.ErrInvalid},
		{"delete through another tenant", func(tx store.Tx) error {
			return tx.DeleteTemplate(t.Context(), other.tenant.ID, "DEPLOY")
		}, store.ErrNotFound},
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteTemplate(t.Context(), w.tenant.ID, "DEPLOY") })
	gives(t, "Templates after delete", []store.Template{buy})(s.Templates(t.Context(), w.tenant.ID))
}

// testOperations: approval requests for operations keep what they were
// made with, are scoped by tenant, take one vote per member, and are
// decided once.
func testOperations(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	o := store.Operation{ID: newID("op"), TenantID: w.tenant.ID, AppID: w.app.ID, Subject: "alice", RequesterID: "",
		TemplateID: "tp1", TemplateKey: "PURCHASE_APPROVAL", Title: "Purchase", Text: "Buy <b>paper</b>",
		MetaData: map[string]string{"item": "<b>paper</b>", "amount": "12"}, Mode: store.ModeSignAndApprove,
		Approvers: []string{"m1", "m2"}, Approvals: 2, DenyOn: store.DenyQuorum, Status: store.RequestPending,
		CreatedAt: t0, ExpiresAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error { return tx.CreateOperation(t.Context(), o) })
	gives(t, "Operation", o)(s.Operation(t.Context(), w.tenant.ID, o.ID))
	_, err := s.Operation(t.Context(), other.tenant.ID, o.ID)
	wantKind(t, "Operation of another tenant", err, store.ErrNotFound)
	gives(t, "PendingOperations", []store.Operation{o})(s.PendingOperations(t.Context(), w.tenant.ID, 10))
	gives(t, "PendingOperations of another tenant", []store.Operation{})(s.PendingOperations(t.Context(), other.tenant.ID, 10))
	v := store.Vote{RequestID: o.ID, TenantID: w.tenant.ID, MemberID: "m1", Decision: store.VoteApprove,
		Channel: "portal", Actor: "member:m1", Evidence: "{}", At: at(time.Minute)}
	update(t, s, func(tx store.Tx) error {
		locked, err := tx.LockOperation(t.Context(), w.tenant.ID, o.ID)
		same(t, "LockOperation", locked, o)
		must(t, "LockOperation", err)
		return tx.CastOperationVote(t.Context(), v)
	})
	gives(t, "OperationVotes", []store.Vote{v})(s.OperationVotes(t.Context(), o.ID))
	runErrorCases(t, s, []errorCase{
		{"second vote", func(tx store.Tx) error { return tx.CastOperationVote(t.Context(), v) }, store.ErrConflict},
		{"vote through another tenant", func(tx store.Tx) error {
			c := v
			c.TenantID, c.MemberID = other.tenant.ID, "m9"
			return tx.CastOperationVote(t.Context(), c)
		}, store.ErrInvalid},
		{"lock through another tenant", func(tx store.Tx) error {
			_, err := tx.LockOperation(t.Context(), other.tenant.ID, o.ID)
			return err
		}, store.ErrNotFound},
		{"app of another tenant", func(tx store.Tx) error {
			c := o
			c.ID, c.AppID = newID("op"), other.app.ID
			return tx.CreateOperation(t.Context(), c)
		}, store.ErrInvalid},
		{"no approvers", func(tx store.Tx) error {
			c := o
			c.ID, c.Approvers = newID("op"), nil
			return tx.CreateOperation(t.Context(), c)
		}, store.ErrInvalid},
	})
	expired, err := s.ExpiredOperations(t.Context(), at(time.Hour), 10)
	must(t, "ExpiredOperations", err)
	if len(expired) != 1 || expired[0].ID != o.ID {
		t.Fatalf("ExpiredOperations at expiry = %+v", expired)
	}
	var first, second bool
	update(t, s, func(tx store.Tx) error {
		var err error
		first, err = tx.DecideOperation(t.Context(), o.ID, store.RequestApproved, "member:m2", at(2*time.Minute))
		must(t, "DecideOperation", err)
		second, err = tx.DecideOperation(t.Context(), o.ID, store.RequestDenied, "member:m1", at(3*time.Minute))
		return err
	})
	if !first || second {
		t.Fatalf("DecideOperation twice = %v, %v; want true, false", first, second)
	}
	got, err := s.Operation(t.Context(), w.tenant.ID, o.ID)
	must(t, "Operation", err)
	if got.Status != store.RequestApproved || got.DecidedBy != "member:m2" || !got.DecidedAt.Equal(at(2*time.Minute)) {
		t.Fatalf("decided operation = %+v", got)
	}
	gives(t, "ExpiredOperations after the decision", []store.Operation{})(s.ExpiredOperations(t.Context(), at(2*time.Hour), 10))
}
