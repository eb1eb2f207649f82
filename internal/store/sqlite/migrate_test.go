package sqlite

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedMigrations(t *testing.T) {
	if migrationsErr != nil {
		t.Fatalf("embedded migrations: %v", migrationsErr)
	}
	if len(migrations) == 0 {
		t.Fatal("no embedded migrations")
	}
}

func TestLoadMigrations(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("CREATE TABLE x (y INTEGER);")}
	tests := []struct {
		name    string
		files   []string
		want    int
		wantErr string
	}{
		{"numbered", []string{"0001_init.sql", "0002_more.sql"}, 2, ""},
		{"none", nil, 0, ""},
		{"gap", []string{"0001_init.sql", "0003_more.sql"}, 0, "want 2"},
		{"not starting at 1", []string{"0002_init.sql"}, 0, "want 1"},
		{"no number", []string{"init.sql"}, 0, "not named"},
		{"short number", []string{"1_init.sql"}, 0, "not named"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = file
			}
			ms, err := loadMigrations(fsys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadMigrations: %v, want an error about %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(ms) != tc.want {
				t.Fatalf("loadMigrations: %d migrations, %v; want %d", len(ms), err, tc.want)
			}
			for i, m := range ms {
				if m.version != i+1 || m.sql == "" {
					t.Errorf("migration %d: %+v", i, m)
				}
			}
		})
	}
}
