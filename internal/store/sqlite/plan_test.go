package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

func TestEndedGrantsUsesTheIndex(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+sqlrow.EndedGrantsQuery, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		plan = append(plan, detail)
	}
	t.Log(strings.Join(plan, "\n"))
	if strings.Contains(strings.Join(plan, "\n"), "SCAN a") {
		t.Fatal("EndedGrants scans every account")
	}
}
