package client

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// FuzzDecodeDecision feeds the 200-answer parser arbitrary bytes: it must
// never panic, and it decides only on a JSON boolean "locked".
func FuzzDecodeDecision(f *testing.F) {
	for _, s := range []string{
		`{"locked":true,"status":"locked","message":"m","sessionID":"s"}`,
		`{"locked":false}`, `{"locked":"true"}`, `{"locked":null}`, `{}`, `null`, `[]`, ``,
		`{"locked":true}garbage`, `{"locked":tru`, `{"LOCKED":true}`, `{"locked":1}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDecision(b)
		if err != nil {
			if !errors.Is(err, ErrUndecided) {
				t.Fatalf("error %v does not wrap ErrUndecided", err)
			}
			if d != (Decision{}) {
				t.Fatalf("undecided with Decision %+v", d)
			}
			return
		}
		var v map[string]any
		if json.Unmarshal(b, &v) != nil {
			t.Fatalf("decided on invalid JSON %q", b)
		}
		if locked, ok := v["locked"].(bool); !ok || locked != d.Locked {
			t.Fatalf("decided %v on %q", d.Locked, b)
		}
	})
}

// The client is linked into the CLI, Go apps and Lambdas: it must not pull
// in storage, server or any dependency beyond the JWT library.
func TestImportsStayLean(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/deadbolt-dev/deadbolt/client":         true,
		"github.com/deadbolt-dev/deadbolt/internal/token": true,
		// token's rejection kinds, shared with webhook; standard library only.
		"github.com/deadbolt-dev/deadbolt/internal/reject": true,
		"github.com/golang-jwt/jwt/v5":                     true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("client depends on %s", p)
		}
	}
}
