package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

const version = 0x01

// ErrOpen reports a sealed value that does not decrypt: wrong master key,
// wrong owner, or tampered data.
var ErrOpen = errors.New("sealed value does not open with this master key")

// Box seals and opens values under one master key. It is safe for
// concurrent use.
type Box struct {
	aead cipher.AEAD
	rand io.Reader
	// derive is a key for Derive, itself derived from the master key so
	// that no derived value can reveal the encryption key.
	derive []byte
}

// New returns a Box for a 32-byte master key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	derive, err := hkdf.Key(sha256.New, key, nil, "deadbolt seal: derive", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Box{aead: aead, rand: rand.Reader, derive: derive}, nil
}

// Derive returns n bytes determined by the master key and label alone
// (HKDF-SHA256): the same on every node that shares the master key, and
// different for every label. It is for keys that must be stable but never
// stored, such as the portal's Web Push (VAPID) key.
func (b *Box) Derive(label string, n int) ([]byte, error) {
	return hkdf.Key(sha256.New, b.derive, nil, label, n)
}

// fingerprintLabel is what Fingerprint authenticates.
const fingerprintLabel = "deadbolt master key fingerprint v1"

// Fingerprint names the master key without revealing it: the hex
// HMAC-SHA256 of a fixed label under a key derived from it. The database
// keeps it (store.Store.PinMasterKey) so that a process started with
// another key is refused before it seals secrets nobody else can open.
func (b *Box) Fingerprint() string {
	m := hmac.New(sha256.New, b.derive)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts plaintext bound to owner.
func (b *Box) Seal(plaintext []byte, owner string) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := io.ReadFull(b.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, []byte(owner)), nil
}

// Open decrypts a value sealed for owner.
func (b *Box) Open(sealed []byte, owner string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(owner))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Source says where the master key comes from, in order of precedence.
type Source struct {
	Base64  string // the key itself, base64 (DEADBOLT_MASTER_KEY)
	File    string // a file holding the key, raw or base64 (DEADBOLT_MASTER_KEY_FILE)
	DataDir string // where master.key is kept (and created) when neither is set
	// Create allows generating master.key in DataDir when it is missing.
	Create bool
}

// Load finds the master key. It never overwrites an existing key file.
// created reports whether it generated a new key.
func Load(src Source) (key []byte, created bool, err error) {
	switch {
	case src.Base64 != "":
		key, err = decode([]byte(src.Base64))
		if err != nil {
			return nil, false, fmt.Errorf("DEADBOLT_MASTER_KEY: %w", err)
		}
		return key, false, nil
	case src.File != "":
		raw, err := os.ReadFile(src.File)
		if err != nil {
			return nil, false, fmt.Errorf("master key file: %w", err)
		}
		key, err = decode(raw)
		if err != nil {
			return nil, false, fmt.Errorf("master key file %s: %w", src.File, err)
		}
		return key, false, nil
	case src.DataDir == "":
		return nil, false, errors.New("no master key: set DEADBOLT_MASTER_KEY or DEADBOLT_MASTER_KEY_FILE")
	}
	path := filepath.Join(src.DataDir, "master.key")
	raw, err := os.ReadFile(path)
	if err == nil {
		key, err = decode(raw)
		if err != nil {
			return nil, false, fmt.Errorf("master key file %s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || !src.Create {
		return nil, false, fmt.Errorf("master key: %w (set DEADBOLT_MASTER_KEY or DEADBOLT_MASTER_KEY_FILE, or start `deadbolt serve` once to create %s)", err, path)
	}
	if err := os.MkdirAll(src.DataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	// O_EXCL: two processes starting at once must not write two keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(Source{DataDir: src.DataDir})
	}
	if err != nil {
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	return key, true, nil
}

// decode accepts 32 raw bytes or their base64 form.
func decode(raw []byte) ([]byte, error) {
	s := strings.TrimSpace(string(raw))
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	if len(raw) == KeySize {
		return raw, nil
	}
	return nil, fmt.Errorf("want %d bytes, base64-encoded", KeySize)
}
