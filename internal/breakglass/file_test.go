package breakglass

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestUseCodeConcurrent: of many checkers racing on one file of two
// codes, exactly two are admitted, each with a different code.
func TestUseCodeConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.breakglass")
	f := File{Version: FileVersion, Application: "ssh.acme.test", Account: "root", Batch: "b",
		Codes: []FileCode{{Code: NewCode()}, {Code: NewCode()}}}
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	var admitted atomic.Int32
	var seen sync.Map
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := UseCode(path, "ssh.acme.test", "root", time.Now())
			switch {
			case err == nil:
				admitted.Add(1)
				if _, dup := seen.LoadOrStore(c.Code, true); dup {
					t.Errorf("code %s admitted twice", c.Code)
				}
			case !errors.Is(err, ErrNoCode):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != 2 {
		t.Fatalf("%d admitted, want 2", admitted.Load())
	}
	if _, _, err := UseCode(path, "ssh.acme.test", "alice", time.Now()); !errors.Is(err, ErrWrongAccount) {
		t.Fatalf("another account: %v", err)
	}
	got, err := ReadFile(path)
	if err != nil || len(got.Unreported()) != 2 {
		t.Fatalf("file after use: %+v %v", got, err)
	}
}

func TestHashIgnoresDashesAndCase(t *testing.T) {
	c := NewCode()
	if len(Normal(c)) != codeGroups*groupSize || Hash(c) != Hash(Normal(c)) {
		t.Fatalf("code %q", c)
	}
	lower := []byte(c)
	for i, b := range lower {
		if b >= 'A' && b <= 'Z' {
			lower[i] = b - 'A' + 'a'
		}
	}
	if Hash(string(lower)) != Hash(c) {
		t.Fatal("hash depends on case")
	}
}
