package token

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Mint signs c with k and returns the compact token. HS256 keys sign with
// Secret, ES256 and EdDSA keys with PrivateKey. The header carries k.KID when
// it is set. iss, sub and exp are required, as Verify requires them; other
// zero fields are left out. A single audience is written as a plain string,
// as NL3 integrations do.
func Mint(k Key, c Claims) (string, error) { return mint(k, c, "") }

// MintEnablement is Mint for an enablement link: the header typ is
// TypeEnablement, so the lock check refuses the token.
func MintEnablement(k Key, c Claims) (string, error) { return mint(k, c, TypeEnablement) }

func mint(k Key, c Claims, typ string) (string, error) {
	switch {
	case c.Issuer == "":
		return "", errors.New("token: mint: issuer is empty")
	case c.Subject == "":
		return "", errors.New("token: mint: subject is empty")
	case c.ExpiresAt.IsZero():
		return "", errors.New("token: mint: expiry is zero")
	}
	m, material, err := k.signingKey()
	if err != nil {
		return "", fmt.Errorf("token: mint: %w", err)
	}
	mc := jwt.MapClaims{
		"iss": c.Issuer,
		"sub": c.Subject,
		"exp": c.ExpiresAt.Unix(),
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		mc["aud"] = c.Audience[0]
	default:
		mc["aud"] = c.Audience
	}
	if !c.IssuedAt.IsZero() {
		mc["iat"] = c.IssuedAt.Unix()
	}
	if !c.NotBefore.IsZero() {
		mc["nbf"] = c.NotBefore.Unix()
	}
	if c.ID != "" {
		mc["jti"] = c.ID
	}
	t := jwt.NewWithClaims(m, mc)
	if k.KID != "" {
		t.Header["kid"] = k.KID
	}
	if typ != "" {
		t.Header["typ"] = typ
	}
	s, err := t.SignedString(material)
	if err != nil {
		return "", fmt.Errorf("token: mint: %w", err)
	}
	return s, nil
}
