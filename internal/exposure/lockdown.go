package exposure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// Hard locks other than lock policies are rebuilt from the audit log:
//
//   - a member's lockdown: member.locked_down and member.lockdown_lifted
//     (target member:ID), closing every account the member owns;
//   - a member's "lock everything": member.lock_everything and
//     member.lock_everything_lifted, the same way;
//   - an application's lockdown: application.updated, whose data carries
//     the application's locked_down after the change (application.created
//     makes it unlocked), closing every account of the application.
//
// Lock policies, scheduled or executed by an alert, come from the
// policies (policy.Set.Windows reads the executions with their lifts).

// lockKey names one hard lock: its kind and the member or application.
type lockKey struct {
	kind lock.HardLock
	id   string
}

// lockEvent is a hard lock set (on) or lifted at a time.
type lockEvent struct {
	at time.Time
	on bool
}

// Whether a record says the state of its hard lock before it.
const (
	priorUnknown = iota
	priorOff     // a creation: the application was not there
	priorOn      // a lift: the lock was on
)

// lockRecord is the hard lock a record sets (on) or lifts; ok false when
// it is about none. prior says what the record tells of the state before
// it.
func lockRecord(rec audit.Record, d auditData) (k lockKey, on bool, prior int, ok bool) {
	member, _ := strings.CutPrefix(rec.Target, "member:")
	switch rec.Action {
	case "member.locked_down":
		return lockKey{lock.HardLockMember, member}, true, priorUnknown, true
	case "member.lockdown_lifted":
		return lockKey{lock.HardLockMember, member}, false, priorOn, true
	case "member.lock_everything":
		return lockKey{lock.HardLockEverything, member}, true, priorUnknown, true
	case "member.lock_everything_lifted":
		return lockKey{lock.HardLockEverything, member}, false, priorOn, true
	case "application.created":
		app, _ := strings.CutPrefix(rec.Target, "application:")
		return lockKey{lock.HardLockApplication, app}, d.LockedDown != nil && *d.LockedDown, priorOff, true
	case "application.updated":
		if d.LockedDown == nil {
			return lockKey{}, false, priorUnknown, false
		}
		app, _ := strings.CutPrefix(rec.Target, "application:")
		return lockKey{lock.HardLockApplication, app}, *d.LockedDown, priorUnknown, true
	}
	return lockKey{}, false, priorUnknown, false
}

// addLock notes a hard-lock record read from the audit log.
func (b *builder) addLock(k lockKey, at time.Time, on bool, prior int) {
	if _, seen := b.locks[k]; !seen {
		switch prior {
		case priorUnknown:
			b.unsure = append(b.unsure, k)
		default:
			b.before[k] = prior == priorOn
		}
	}
	b.locks[k] = append(b.locks[k], lockEvent{at, on})
}

// prelude reads the audit log before the main read (seqs up to b.read),
// newest first, as far back as what the main read left unknown needs:
//
//   - the hard locks whose first record there did not say the state
//     before it: their state when the main read starts is their last
//     record's, else unlocked (applications and members are made
//     unlocked);
//   - the policies that changed since the period began, other than by
//     their assignments, whose first record in the main read is no
//     snapshot (policy.created or policy.updated, which carry the whole
//     document): back to their latest snapshot, or to their creation for
//     one deleted since, whose assignments the report rebuilds.
//
// So what it reads follows the period and the policies' last snapshots,
// not the log's age. Then it tracks the policy records of the main read,
// in order.
func (b *builder) prelude(ctx context.Context) error {
	want := map[lockKey]bool{}
	for _, k := range b.unsure {
		want[k] = true
		b.before[k] = false
	}
	need := b.snapshotsNeeded()
	var older []audit.Record
	if len(want) > 0 || len(need) > 0 {
		err := b.readBack(ctx, func(rec audit.Record) bool {
			switch {
			case lockAction(rec.Action) && len(want) > 0:
				var d auditData
				if json.Unmarshal(rec.Data, &d) != nil {
					break
				}
				if k, on, _, ok := lockRecord(rec, d); ok && want[k] {
					b.before[k] = on
					delete(want, k)
				}
			case policyAction(rec.Action):
				id, _ := strings.CutPrefix(rec.Target, "policy:")
				creation, ok := need[id]
				if !ok {
					break
				}
				older = append(older, rec)
				if rec.Action == "policy.created" || !creation && rec.Action == "policy.updated" {
					delete(need, id)
				}
			}
			return len(want) > 0 || len(need) > 0
		})
		if err != nil {
			return err
		}
	}
	slices.Reverse(older)
	for _, rec := range older {
		b.hist.apply(b.o.TenantID, rec, false)
	}
	for _, rec := range b.pending {
		b.hist.apply(b.o.TenantID, rec, !rec.At.Before(b.o.Since))
	}
	b.pending = nil
	return nil
}

// snapshotsNeeded are the policies whose records before the main read
// the prelude looks up: policy ID → whether back to its creation (it was
// deleted since the period began, and the main read holds no creation)
// rather than to its latest snapshot. A policy needs none when a snapshot
// in the main read, or its creation, comes before its first change since
// the period began (assignments aside, which undo without it).
func (b *builder) snapshotsNeeded() map[string]bool {
	known, created := map[string]bool{}, map[string]bool{}
	need := map[string]bool{}
	for _, rec := range b.pending {
		id, ok := strings.CutPrefix(rec.Target, "policy:")
		if !ok || rec.Action == "policy.assigned" || rec.Action == "policy.unassigned" {
			continue
		}
		if !rec.At.Before(b.o.Since) {
			if _, ok := need[id]; !ok && !known[id] && rec.Action != "policy.created" {
				need[id] = false
			}
			if rec.Action == "policy.deleted" && !created[id] {
				need[id] = true
			}
		}
		switch rec.Action {
		case "policy.created":
			created[id], known[id] = true, true
		case "policy.updated":
			known[id] = true
		}
	}
	return need
}

// lockAction is whether an audit action may set or lift a hard lock.
func lockAction(a string) bool {
	return strings.HasPrefix(a, "member.lock") || a == "application.created" || a == "application.updated"
}

// lockWindows are the times in the period in which hard lock k held: from
// its records, or when it has none since the audit read began, its state
// now (now) throughout.
func (b *builder) lockWindows(k lockKey, now bool) []policy.Window {
	evs, ok := b.locks[k]
	if !ok {
		if now {
			return []policy.Window{{Start: b.o.Since, End: b.o.Until}}
		}
		return nil
	}
	var out []policy.Window
	on, from := b.before[k], b.o.Since
	for _, e := range evs {
		switch {
		case e.on && !on:
			from = e.at
		case !e.on && on:
			out = append(out, b.clip(from, e.at))
		}
		on = e.on
	}
	if on {
		out = append(out, b.clip(from, b.o.Until))
	}
	return policy.Merge(out)
}

// policyAction is whether an audit action changes which policies apply
// when (executions, read as they were, are not).
func policyAction(a string) bool {
	switch a {
	case "policy.executed", "policy.lifted":
		return false
	}
	return strings.HasPrefix(a, "policy.") || a == "group.member_added" || a == "group.member_removed" || a == "group.deleted" ||
		a == "member.removed"
}

// maxCaveatNames bounds the policies a caveat names.
const maxCaveatNames = 20

// caveats says what the report could not reconstruct.
func (b *builder) caveats() []string {
	var out []string
	if len(b.ownerless) > 0 {
		out = append(out, "These accounts were made by an import, which records no owner per account, and a member was removed since; "+
			"they are unowned now, so whether the removed member owned them before cannot be told and they are counted as unowned "+
			"(no member's lockdown nor member or group policy closed or opened them): "+names(b.ownerless)+".")
	}
	if len(b.lost) > 0 {
		out = append(out, "The audit log does not hold all that these changes took away (a deleted group's members and assignments, a removed member's memberships and assignments, a deleted policy's alert executions, a policy with no earlier record), so the time before them may be misreported: "+
			names(b.lost)+".")
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// names lists the first maxCaveatNames of ns, and how many more.
func names(ns []string) string {
	out := strings.Join(ns[:min(len(ns), maxCaveatNames)], ", ")
	if len(ns) > maxCaveatNames {
		out += fmt.Sprintf(" and %d more", len(ns)-maxCaveatNames)
	}
	return out
}
