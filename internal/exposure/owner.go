package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// An account's owner decides which member's lockdowns close it and which
// policies assigned to members and groups apply to it. Owners are
// replayed over the period from the audit log:
//
//   - account.enrolled (target account:ID, data owner): the account is
//     made, with that owner or none;
//   - account.linked (the same): an unowned account gets an owner
//     (access.LinkTx links no account someone else owns);
//   - member.removed (target member:ID): every account the member owned
//     loses its owner (admin.RemoveMember).
//
// Nothing else changes an owner. accounts.imported makes many accounts,
// with their owners, in one record that names none of them: such an
// account's owner is its owner now unless a member was removed since it
// was made and it is unowned now; then the report cannot tell whether it
// was that member's, takes it as unowned and names it in the caveats.
// Before an account was made (its CreatedAt) nothing opened or closed it.

// ownerEvent is an account's own record: enrolled or linked.
type ownerEvent struct {
	seq      int64
	at       time.Time
	owner    string // after it
	enrolled bool
}

// removal is a member's removal, which unlinks the accounts they owned.
type removal struct {
	seq    int64
	at     time.Time
	member string
}

// span is a part of the period with one owner ("" for none).
type span struct {
	from, to time.Time
	owner    string
}

// unsureAccount is an account whose owner when the audit read starts is
// looked up in the records before it (ownersBefore).
type unsureAccount struct {
	app store.Application
	a   store.Account
}

// ownerRecord notes a record that changes an account's owner.
func (b *builder) ownerRecord(rec audit.Record) {
	switch rec.Action {
	case "account.enrolled", "account.linked":
		var d auditData
		if json.Unmarshal(rec.Data, &d) != nil {
			return
		}
		id := strings.TrimPrefix(rec.Target, "account:")
		b.ownerEvents[id] = append(b.ownerEvents[id], ownerEvent{rec.Seq, rec.At, d.Owner, rec.Action == "account.enrolled"})
	case "member.removed":
		b.removals = append(b.removals, removal{rec.Seq, rec.At, strings.TrimPrefix(rec.Target, "member:")})
	}
}

// ownerAtRead is a's owner when the audit read starts; sure false when
// the read alone does not tell: a is unowned then (when its first record
// in the read is a link, or now when it has none) and a member it may have
// belonged to was removed meanwhile.
func (b *builder) ownerAtRead(a store.Account) (owner string, sure bool) {
	evs := b.ownerEvents[a.ID]
	switch {
	case len(evs) > 0 && evs[0].enrolled:
		return "", true
	case len(evs) == 0 && a.OwnerID != "":
		return a.OwnerID, true
	}
	for _, r := range b.removals {
		if len(evs) > 0 && r.seq > evs[0].seq {
			break
		}
		if !r.at.Before(a.CreatedAt.Add(-auditMargin)) {
			return "", false
		}
	}
	return "", true
}

// owners are a's owners over the period, from start, its owner when the
// audit read starts, replaying its records and the removals in log order;
// nothing before a was made.
func (b *builder) owners(a store.Account, start string) []span {
	since := b.o.Since
	if a.CreatedAt.After(since) {
		since = a.CreatedAt
	}
	o, from := start, since
	var out []span
	set := func(at time.Time, owner string) {
		at = earlier(later(at, since), later(b.o.Until, since))
		if at.After(from) {
			out = append(out, span{from, at, o})
			from = at
		}
		o = owner
	}
	evs, rs := b.ownerEvents[a.ID], b.removals
	for len(evs) > 0 || len(rs) > 0 {
		if len(rs) == 0 || len(evs) > 0 && evs[0].seq < rs[0].seq {
			set(evs[0].at, evs[0].owner)
			evs = evs[1:]
			continue
		}
		if rs[0].member == o && o != "" {
			set(rs[0].at, "")
		}
		rs = rs[1:]
	}
	if b.o.Until.After(from) {
		out = append(out, span{from, b.o.Until, o})
	}
	return out
}

// ownersBefore finds, for the unsure accounts, their owners when the audit
// read starts, reading the records before it newest first: an account's
// last enrolled or linked record there names its owner, unless that
// member was removed after it. It reads no further back than the oldest of
// these accounts was made. An account with no such record (an import made
// it) is taken as unowned, and named in the caveats.
func (b *builder) ownersBefore(ctx context.Context) (map[string]string, error) {
	want := map[string]bool{}
	var oldest time.Time
	for _, u := range b.unsureOwned {
		want[u.a.ID] = true
		if oldest.IsZero() || u.a.CreatedAt.Before(oldest) {
			oldest = u.a.CreatedAt
		}
	}
	found, removed := map[string]string{}, map[string]bool{}
	err := b.readBack(ctx, func(rec audit.Record) bool {
		if rec.At.Before(oldest.Add(-auditMargin)) {
			return false
		}
		switch rec.Action {
		case "member.removed":
			removed[strings.TrimPrefix(rec.Target, "member:")] = true
		case "account.enrolled", "account.linked":
			id := strings.TrimPrefix(rec.Target, "account:")
			var d auditData
			if !want[id] || json.Unmarshal(rec.Data, &d) != nil {
				break
			}
			if removed[d.Owner] {
				d.Owner = ""
			}
			found[id] = d.Owner
			delete(want, id)
		}
		return len(want) > 0
	})
	for _, u := range b.unsureOwned {
		if want[u.a.ID] {
			b.ownerless = append(b.ownerless, fmt.Sprintf("%s at %s (made %s)", u.a.Name, u.app.Issuer, stampUTC(u.a.CreatedAt)))
		}
	}
	return found, err
}

// readBack reads the tenant's audit records before the main read (seqs up
// to b.read), newest first, a page at a time, while more says to go on.
func (b *builder) readBack(ctx context.Context, more func(audit.Record) bool) error {
	for hi := b.read; hi > 0; {
		lo := max(0, hi-page)
		recs, err := b.r.AuditRecords(ctx, b.o.TenantID, lo, int(hi-lo))
		if err != nil {
			return err
		}
		for i := len(recs) - 1; i >= 0; i-- {
			if recs[i].Seq <= hi && !more(recs[i]) {
				return nil
			}
		}
		hi = lo
	}
	return nil
}
