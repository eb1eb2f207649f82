// Package migration loads a backend's embedded schema migrations: numbered,
// forward-only SQL files named NNNN_what.sql, numbered 1, 2, 3, ... without
// gaps. Applying them is each backend's own business (its dialect, its
// locking, its schema_version table); this package reads and checks the
// files, and EnsureCurrent holds the rule both backends' Open follow for a
// database behind or ahead of the binary.
//
// A released migration file is never edited, because databases that ran it
// would never run the new text: testdata/released.sha256 holds the SHA-256
// of every released file of both backends, and a test fails when one
// changes, disappears or is not listed. A new file is released by adding
// its line there.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int    // 1 for the first file, then one more for each
	Name    string // the file's name, NNNN_what.sql
	SQL     string // the file's contents
}

// Load reads the files dir/*.sql of fsys in name order and checks that
// they are named NNNN_what.sql and numbered from 1 without gaps. No files
// is no migrations, not an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for i, name := range names { // Glob sorts by name
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration %s is not named NNNN_what.sql", base)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migration %s has version %d, want %d", base, v, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(body)})
	}
	return ms, nil
}
