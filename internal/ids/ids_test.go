package ids_test

import (
	"regexp"
	"testing"

	"github.com/google/uuid"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
)

func TestFormats(t *testing.T) {
	id := ids.New()
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		t.Fatalf("New() = %q (%v), want a UUIDv7", id, err)
	}
	if k := ids.NewKID(); !regexp.MustCompile(`^k_[0-9a-f]{16}$`).MatchString(k) {
		t.Fatalf("NewKID() = %q", k)
	}
	s := ids.NewSecret()
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(s) {
		t.Fatalf("NewSecret() = %q, want 32 bytes of base64url", s)
	}
	if h := ids.SecretHash("abc"); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("SecretHash(abc) = %s, want its SHA-256", h)
	}
}

func TestUnique(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		for _, v := range []string{ids.New(), ids.NewKID(), ids.NewSecret()} {
			if seen[v] {
				t.Fatalf("%q came twice", v)
			}
			seen[v] = true
		}
		id := ids.New()
		if id <= prev {
			t.Fatalf("IDs do not sort by creation: %s after %s", id, prev)
		}
		prev = id
	}
}
