package breakglass

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// codeGroups and groupSize shape a code: 5 groups of 4 base32 characters
// (100 bits), easy to read aloud over a phone.
const (
	codeGroups = 5
	groupSize  = 4
)

// NewCode returns a fresh random code, "ABCD-EFGH-…".
func NewCode() string {
	b := make([]byte, codeGroups*groupSize*5/8)
	rand.Read(b)
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(s); i += groupSize {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+groupSize, len(s))])
	}
	return out.String()
}

// Normal is a code as compared: upper case, without dashes or spaces.
func Normal(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

// Hash is what the store keeps of a code: the hex SHA-256 of its normal
// form. Codes carry 100 random bits, so no salt is needed.
func Hash(code string) string {
	h := sha256.Sum256([]byte(Normal(code)))
	return hex.EncodeToString(h[:])
}
