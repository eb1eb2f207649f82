package token

import (
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
)

// TypeEnablement is the header typ of a token minted for an enablement link
// (MintEnablement). Such tokens travel in browser addresses, so the lock
// check refuses them (explicit typing, RFC 8725 §3.11); /enable accepts
// them and plain lock-check tokens alike.
const TypeEnablement = "enable+jwt"

// IsEnablement reports whether the token's header says it is for
// enablement only. The comparison ignores case and an "application/"
// prefix, as RFC 7515 allows.
func (t *Token) IsEnablement() bool {
	typ := t.Type
	if prefix := "application/"; len(typ) > len(prefix) && strings.EqualFold(typ[:len(prefix)], prefix) {
		typ = typ[len(prefix):]
	}
	return strings.EqualFold(typ, TypeEnablement)
}

// OneTimeKey is what a works-once flow remembers a token by: its jti,
// scoped by issuer, when it has one, else a hash of its decoded signature.
// Every encoding of one signature gives the same key (decoding is strict,
// and an ES256 signature counts in its low-S form, since (r, n−s) verifies
// as well as (r, s)). Use it only after the token verified: before that its
// jti is anyone's.
func (t *Token) OneTimeKey() string {
	if jti, ok, err := str("jti", t.p.claims.jti); err == nil && ok && jti != "" {
		return "jti:" + t.Issuer + ":" + jti
	}
	sig := t.p.signature
	if t.p.alg == ES256 && len(sig) == 64 {
		sig = lowS(sig)
	}
	sum := sha256.Sum256(sig)
	return "sig:" + hex.EncodeToString(sum[:])
}

var p256N = elliptic.P256().Params().N
var p256HalfN = new(big.Int).Rsh(p256N, 1)

// lowS returns r‖s with s replaced by n−s when s is in the upper half.
func lowS(sig []byte) []byte {
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(p256HalfN) <= 0 {
		return sig
	}
	out := make([]byte, 64)
	copy(out, sig[:32])
	new(big.Int).Sub(p256N, s).FillBytes(out[32:])
	return out
}
