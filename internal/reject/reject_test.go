package reject_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

var (
	errInvalid error = &reject.Kind{Code: "x_invalid", Text: "invalid"}
	errLate    error = &reject.Kind{Code: "x_late", Text: "too late", Parent: errInvalid}
)

func TestKindsAndErrors(t *testing.T) {
	err := fmt.Errorf("checking: %w", reject.New(errLate, "by %d s", 3))
	if !errors.Is(err, errLate) || !errors.Is(err, errInvalid) {
		t.Fatalf("%v does not wrap its kind and the kind's parent", err)
	}
	e, ok := errors.AsType[*reject.Error](err)
	if !ok || e.Error() != "too late: by 3 s" || e.Kind != errLate {
		t.Fatalf("rejection = %#v", e)
	}
	if k, ok := errors.AsType[*reject.Kind](err); !ok || k.Code != "x_late" {
		t.Fatalf("first kind = %#v", k)
	}
	if got := (&reject.Error{Kind: errInvalid}).Error(); got != "invalid" {
		t.Errorf("without detail: %q", got)
	}
}
