package migration_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/deadbolt-dev/deadbolt/internal/store/migration"
)

// releasedList is the SHA-256 of every released migration file of both
// backends, in sha256sum's format, with paths relative to internal/store.
const releasedList = "testdata/released.sha256"

// backendDirs are the migration directories, relative to internal/store.
var backendDirs = []string{"sqlite/migrations", "postgres/migrations"}

// TestReleasedMigrationsUnchanged fails when a released migration file
// changes, disappears or is renamed: a database migrated by an earlier
// build would never run the new text, so the two would differ for good.
// Change the schema with a new numbered file instead; to release it,
// append its checksum line to testdata/released.sha256 as the failure
// message shows.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	released, err := readReleased(releasedList)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range backendDirs {
		if !slices.ContainsFunc(keys(released), func(p string) bool { return strings.HasPrefix(p, dir+"/") }) {
			t.Fatalf("%s lists no migration of %s", releasedList, dir)
		}
	}
	for _, problem := range compareReleased(released, os.DirFS(".."), backendDirs) {
		t.Error(problem)
	}
}

// TestCompareReleasedCatchesEdits shows that the comparison fails for an
// edited, a removed and an unlisted file, and passes for unchanged ones.
func TestCompareReleasedCatchesEdits(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	released := map[string]string{
		"db/migrations/0001_init.sql": sum([]byte("CREATE TABLE a (x INTEGER);")),
		"db/migrations/0002_more.sql": sum([]byte("CREATE TABLE b (x INTEGER);")),
	}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string // a word each problem must contain, in order
	}{
		{"unchanged", fstest.MapFS{
			"db/migrations/0001_init.sql": file("CREATE TABLE a (x INTEGER);"),
			"db/migrations/0002_more.sql": file("CREATE TABLE b (x INTEGER);"),
		}, nil},
		{"edited", fstest.MapFS{
			"db/migrations/0001_init.sql": file("CREATE TABLE a (x INTEGER, y TEXT);"),
			"db/migrations/0002_more.sql": file("CREATE TABLE b (x INTEGER);"),
		}, []string{"0001_init.sql changed"}},
		{"removed", fstest.MapFS{
			"db/migrations/0001_init.sql": file("CREATE TABLE a (x INTEGER);"),
		}, []string{"0002_more.sql is gone"}},
		{"unlisted", fstest.MapFS{
			"db/migrations/0001_init.sql": file("CREATE TABLE a (x INTEGER);"),
			"db/migrations/0002_more.sql": file("CREATE TABLE b (x INTEGER);"),
			"db/migrations/0003_new.sql":  file("CREATE TABLE c (x INTEGER);"),
		}, []string{"sha256sum db/migrations/0003_new.sql >> migration/testdata/released.sha256"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compareReleased(released, tc.files, []string{"db/migrations"})
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}
}

// compareReleased checks the migrations in dirs of fsys against released
// (path → hex SHA-256) and returns one sentence per problem.
func compareReleased(released map[string]string, fsys fs.FS, dirs []string) []string {
	var problems []string
	seen := map[string]bool{}
	for _, dir := range dirs {
		ms, err := migration.Load(fsys, dir)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", dir, err))
			continue
		}
		for _, m := range ms {
			p := path.Join(dir, m.Name)
			seen[p] = true
			want, ok := released[p]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s is not in %s. A new migration is released by listing its checksum: "+
					"cd internal/store && sha256sum %s >> migration/testdata/released.sha256", p, releasedList, p))
			case sum([]byte(m.SQL)) != want:
				problems = append(problems, fmt.Sprintf("released migration %s changed (sha256 %s, released as %s): "+
					"restore it (git checkout main -- internal/store/%s) and put the change in a new numbered file", p, sum([]byte(m.SQL)), want, p))
			}
		}
	}
	for _, p := range keys(released) {
		if !seen[p] && slices.ContainsFunc(dirs, func(d string) bool { return strings.HasPrefix(p, d+"/") }) {
			problems = append(problems, fmt.Sprintf("released migration %s is gone: databases have run it, so it stays", p))
		}
	}
	return problems
}

// readReleased reads a sha256sum listing; lines starting with # are
// comments.
func readReleased(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hash, p, ok := strings.Cut(line, "  ")
		if _, err := hex.DecodeString(hash); !ok || err != nil || len(hash) != 64 {
			return nil, fmt.Errorf("%s:%d: not \"SHA256  path\" as sha256sum prints it", name, n)
		}
		out[strings.TrimSpace(p)] = hash
	}
	return out, sc.Err()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestBackendMigrationsLoad fails when a backend's migration files are
// misnumbered (a gap or two files with one number), which happens when two
// changes each add "the next" migration: the backend would refuse to open.
func TestBackendMigrationsLoad(t *testing.T) {
	for _, dir := range backendDirs {
		if _, err := migration.Load(os.DirFS(".."), dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
