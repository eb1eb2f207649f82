package migration_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/migration"
)

func TestLoad(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("CREATE TABLE x (y INTEGER);")}
	tests := []struct {
		name    string
		files   []string
		want    int
		wantErr string
	}{
		{"numbered", []string{"0001_init.sql", "0002_more.sql"}, 2, ""},
		{"none", nil, 0, ""},
		{"other files ignored", []string{"0001_init.sql", "README.md"}, 1, ""},
		{"gap", []string{"0001_init.sql", "0003_more.sql"}, 0, "want 2"},
		{"not starting at 1", []string{"0002_init.sql"}, 0, "want 1"},
		{"no number", []string{"init.sql"}, 0, "not named"},
		{"short number", []string{"1_init.sql"}, 0, "not named"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"elsewhere/0001_other.sql": file}
			for _, f := range tc.files {
				fsys["migrations/"+f] = file
			}
			ms, err := migration.Load(fsys, "migrations")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load: %v, want an error about %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(ms) != tc.want {
				t.Fatalf("Load: %d migrations, %v; want %d", len(ms), err, tc.want)
			}
			for i, m := range ms {
				if m.Version != i+1 || m.Name != tc.files[i] || m.SQL != string(file.Data) {
					t.Errorf("migration %d: %+v", i, m)
				}
			}
		})
	}
}

func TestEnsureCurrent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		have, want int
		auto       bool
		migrated   bool
		kind       error
	}{
		{"current", 3, 3, false, false, nil},
		{"ahead", 4, 3, true, false, store.ErrSchemaTooNew},
		{"behind", 2, 3, false, false, store.ErrSchemaBehind},
		{"behind, migrating", 2, 3, true, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			migrated := false
			err := migration.EnsureCurrent("test: open", tc.have, tc.want, tc.auto, func() error { migrated = true; return nil })
			if migrated != tc.migrated {
				t.Errorf("migrated = %v, want %v", migrated, tc.migrated)
			}
			if tc.kind == nil && err != nil || tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}
