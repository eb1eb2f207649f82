package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("secret"), "kid_1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := b.Open(sealed, "kid_1")
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, "kid_2"); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrong owner: %v, want ErrOpen", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed, "kid_1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered: %v, want ErrOpen", err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	sealed[len(sealed)-1] ^= 1
	if _, err := other.Open(sealed, "kid_1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("other key: %v, want ErrOpen", err)
	}
}

func TestLoadCreatesOnceWith0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := Load(Source{DataDir: dir, Create: true})
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first Load = %d bytes, created %v, %v", len(k1), created, err)
	}
	st, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", st.Mode(), err)
	}
	k2, created, err := Load(Source{DataDir: dir, Create: true})
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second Load changed the key (created %v, %v)", created, err)
	}
}

func TestLoadRefusesBadKeys(t *testing.T) {
	if _, _, err := Load(Source{Base64: "c2hvcnQ="}); err == nil {
		t.Fatal("short env key accepted")
	}
	if _, _, err := Load(Source{DataDir: t.TempDir()}); err == nil {
		t.Fatal("missing key without Create accepted")
	}
	f := filepath.Join(t.TempDir(), "k")
	os.WriteFile(f, []byte("not a key"), 0o600)
	if _, _, err := Load(Source{File: f}); err == nil {
		t.Fatal("garbage key file accepted")
	}
}

func TestDerive(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, KeySize)
	a, _ := New(k1)
	b, _ := New(k1)
	c, _ := New(bytes.Repeat([]byte{2}, KeySize))
	x, err := a.Derive("portal: vapid", 32)
	if err != nil || len(x) != 32 {
		t.Fatalf("Derive: %d bytes, %v", len(x), err)
	}
	if y, _ := b.Derive("portal: vapid", 32); !bytes.Equal(x, y) {
		t.Fatal("the same master key derived different values")
	}
	if y, _ := a.Derive("other", 32); bytes.Equal(x, y) {
		t.Fatal("two labels derived the same value")
	}
	if y, _ := c.Derive("portal: vapid", 32); bytes.Equal(x, y) {
		t.Fatal("two master keys derived the same value")
	}
	if bytes.Contains(x, k1[:8]) {
		t.Fatal("derived value shows the master key")
	}
}

func TestFingerprint(t *testing.T) {
	a, _ := New(bytes.Repeat([]byte{1}, KeySize))
	again, _ := New(bytes.Repeat([]byte{1}, KeySize))
	b, _ := New(bytes.Repeat([]byte{2}, KeySize))
	if a.Fingerprint() != again.Fingerprint() || len(a.Fingerprint()) != 64 {
		t.Fatalf("the same key has fingerprints %q and %q", a.Fingerprint(), again.Fingerprint())
	}
	if a.Fingerprint() == b.Fingerprint() {
		t.Fatal("two keys share a fingerprint")
	}
	if strings.Contains(a.Fingerprint(), hex.EncodeToString(bytes.Repeat([]byte{1}, 8))) {
		t.Fatal("the fingerprint shows the key")
	}
}
