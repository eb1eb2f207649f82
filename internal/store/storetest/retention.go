package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testDeleteChecksBefore: retention deletes exactly the records older than
// the cut-off, oldest first, at most limit per call, and nothing else.
func testDeleteChecksBefore(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	var old, kept []store.CheckRecord
	for i := range 5 {
		old = append(old, newCheck(w, "", "alice", at(time.Duration(i)*time.Hour), false))
	}
	cut := at(5 * time.Hour)
	kept = append(kept, newCheck(w, "", "alice", cut, true)) // at the cut-off: kept
	kept = append(kept, newCheck(w, "", "bob", at(6*time.Hour), false))
	// Written newest first, so deletion order is by time, not insertion
	// (and a kept record last: SQLite keeps the record written last).
	all := []store.CheckRecord{kept[0], old[4], old[3], old[2], old[1], old[0], kept[1]}
	must(t, "AppendChecks", s.AppendChecks(ctx, all))

	_, err := s.DeleteChecksBefore(ctx, cut, 0)
	wantKind(t, "DeleteChecksBefore with limit 0", err, store.ErrInvalid)

	gives(t, "records deleted by the first round", 2)(s.DeleteChecksBefore(ctx, cut, 2))
	for i, r := range old {
		_, err := s.CheckRecord(ctx, r.ID)
		if i < 2 {
			wantKind(t, "CheckRecord of one of the two oldest", err, store.ErrNotFound)
		} else {
			must(t, "CheckRecord of an old record a later round deletes", err)
		}
	}
	gives(t, "records deleted by the second round", 3)(s.DeleteChecksBefore(ctx, cut, 100))
	gives(t, "records deleted once none is old", 0)(s.DeleteChecksBefore(ctx, cut, 100))

	gives(t, "records left", []store.CheckRecord{kept[1], kept[0]})(s.CheckRecords(ctx, w.app.ID, 100))
}
