package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

// verdict is what verification found: each list holds one line per
// violation (empty lists mean the property held).
type verdict struct {
	answered       int      // checks answered 200
	loggedMissing  []string // answered checks not in the check log
	contradictions []string // decisions against an acknowledged state
	onceTwice      []string // once-unlocks that opened more than one check
	finalWrong     []string // accounts whose final state is not the last acknowledged
	checkedWindows int      // answers that fell inside a known-state window
	overApproved   []string // installs whose request accounts opened more checks than approvals given
	approvals      []string // one line per install: approvals acknowledged / sent, checks they opened
}

func (v verdict) ok() bool {
	return len(v.loggedMissing)+len(v.contradictions)+len(v.onceTwice)+len(v.finalWrong)+len(v.overApproved) == 0
}

// verify checks the recorded run against the databases.
func verify(ctx context.Context, c *cluster, rec *recorder, approvers []*approver) (verdict, error) {
	var v verdict
	// Request accounts open only by an approval, each for one sign-in:
	// they can never have opened more checks than approvals were sent.
	for _, ap := range approvers {
		opened := 0
		for _, a := range rec.answers {
			if a.status == 200 && !a.locked && a.install == ap.in.name && slices.Contains(ap.in.requestAccounts, a.account) {
				opened++
			}
		}
		ap.mu.Lock()
		line := fmt.Sprintf("%s: %d approvals acknowledged of %d sent; they opened %d checks", ap.in.name, ap.acked, ap.attempted, opened)
		if len(ap.failed) > 0 {
			line += fmt.Sprintf("; %d portal calls failed (first: %s)", len(ap.failed), ap.failed[0])
		}
		if opened > ap.attempted {
			v.overApproved = append(v.overApproved, line)
		}
		ap.mu.Unlock()
		v.approvals = append(v.approvals, line)
	}
	type key struct{ install, account string }
	ops := map[key][]op{}
	for _, o := range rec.ops {
		k := key{o.install, o.account}
		ops[k] = append(ops[k], o)
	}
	for _, list := range ops {
		sort.Slice(list, func(i, j int) bool { return list[i].start.Before(list[j].start) })
	}
	answers := map[key][]answer{}
	for _, a := range rec.answers {
		if a.status == 200 {
			v.answered++
			answers[key{a.install, a.account}] = append(answers[key{a.install, a.account}], a)
		}
	}

	// Decisions against acknowledged states, and once-unlocks.
	far := time.Now().Add(24 * time.Hour)
	for k, list := range ops {
		for i, o := range list {
			next := far
			if i+1 < len(list) {
				next = list[i+1].start
			}
			if o.kind == opOnce {
				// A once-unlock always follows an acknowledged lock
				// (operate), so every unlocked answer to a check begun
				// after that lock and before the next change used it.
				if i == 0 || list[i-1].kind != opLock || list[i-1].ack.IsZero() {
					continue
				}
				opened := 0
				for _, a := range answers[k] {
					if !a.locked && !a.start.Before(list[i-1].ack) && a.start.Before(next) {
						opened++
					}
				}
				if opened > 1 {
					v.onceTwice = append(v.onceTwice, fmt.Sprintf("%s/%s: the once-unlock begun at %s opened %d checks",
						k.install, k.account, stamp(o.start), opened))
				}
				continue
			}
			if o.ack.IsZero() {
				continue
			}
			for _, a := range answers[k] {
				if a.start.Before(o.ack) || a.end.After(next) {
					continue
				}
				v.checkedWindows++
				if want := o.kind == opLock; a.locked != want {
					v.contradictions = append(v.contradictions, fmt.Sprintf(
						"%s/%s on node %s: check %s→%s answered locked=%v (%s), but %q was acknowledged at %s and nothing changed before %s",
						k.install, k.account, a.node, stamp(a.start), stamp(a.end), a.locked, a.decision, o.kind, stamp(o.ack), stamp(next)))
				}
			}
		}
	}

	// Every answered check is in its install's check log.
	for _, in := range c.installs {
		db, err := backend.Open(ctx, in.db, backend.Options{})
		if err != nil {
			return v, fmt.Errorf("opening %s's database to read its check log: %w", in.name, err)
		}
		for _, a := range rec.answers {
			if a.status != 200 || a.install != in.name {
				continue
			}
			if _, err := db.CheckRecord(ctx, a.session); err != nil {
				v.loggedMissing = append(v.loggedMissing, fmt.Sprintf("%s: check %s answered by node %s at %s: %v",
					in.name, a.session, a.node, stamp(a.end), err))
			}
		}
		db.Close()
	}

	// Every account ends in the state last acknowledged.
	for k, list := range ops {
		last := list[len(list)-1]
		if last.ack.IsZero() || last.kind == opOnce {
			continue
		}
		in := c.install(k.install)
		out, err := c.cli(ctx, in, "account", "status", "--app", in.issuer, "--account", k.account, "--json")
		if err != nil {
			return v, err
		}
		var st struct{ Locked bool }
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return v, fmt.Errorf("account status printed %q", out)
		}
		if want := last.kind == opLock; st.Locked != want {
			v.finalWrong = append(v.finalWrong, fmt.Sprintf("%s/%s: locked=%v at the end, but the last acknowledged change was %q at %s",
				k.install, k.account, st.Locked, last.kind, stamp(last.ack)))
		}
	}
	return v, nil
}

func (c *cluster) install(name string) *install {
	for _, in := range c.installs {
		if in.name == name {
			return in
		}
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("15:04:05.000") }
