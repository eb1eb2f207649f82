package blockedsignin

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClip: a typed account name goes into notices cut to 64 characters;
// short names pass as they are.
func TestClip(t *testing.T) {
	long := strings.Repeat("é", 500)
	if got := clip(long); utf8.RuneCountInString(got) != 64 || !strings.HasSuffix(got, "…") {
		t.Fatalf("clip(500 chars) = %d chars %q", utf8.RuneCountInString(got), got)
	}
	if got := clip("alice"); got != "alice" {
		t.Fatalf("clip(alice) = %q", got)
	}
}
