package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies guarantees that the Lambda binaries link neither the
// storage backends nor the server or portal: they must stay small, start
// fast and carry no database code into the AWS account.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../deadbolt-iam", "../deadbolt-cognito").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"modernc.org/sqlite",
		"github.com/deadbolt-dev/deadbolt/internal/store/sqlite",
		"github.com/deadbolt-dev/deadbolt/internal/store/postgres",
		"github.com/deadbolt-dev/deadbolt/internal/server",
		"github.com/deadbolt-dev/deadbolt/internal/portal",
		"github.com/jackc/pgx",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps printed only %d packages: %s", len(deps), out)
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("a Lambda binary depends on %s", d)
			}
		}
	}
}
