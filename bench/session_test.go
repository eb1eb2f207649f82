package bench_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// TestBeginWorkDirectory: without -workdir a temporary one is made and
// removed at the end (kept with -keep); -out is created for the logs.
func TestBeginWorkDirectory(t *testing.T) {
	for _, keep := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "out")
		f := bench.Flags{Deadbolt: "/bin/true", Out: out, Keep: keep, Timeout: time.Minute}
		ctx, s, end, err := f.Begin("deadbolt-begin-test-")
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(s.Work); err != nil || !fi.IsDir() {
			t.Fatalf("work directory %q: %v", s.Work, err)
		}
		if fi, err := os.Stat(out); err != nil || !fi.IsDir() || s.Logs != out || s.Bin != "/bin/true" {
			t.Fatalf("setup %+v (out: %v)", s, err)
		}
		end()
		if ctx.Err() == nil {
			t.Error("the context outlives end")
		}
		_, err = os.Stat(s.Work)
		if kept := err == nil; kept != keep {
			t.Errorf("keep=%v: work directory kept = %v", keep, kept)
		}
		os.RemoveAll(s.Work)
	}
}
