package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"
)

// rawHS builds an HS256 token from the exact header and claims bytes, so
// tests can put duplicate keys, odd spellings and invalid UTF-8 on the
// wire, which json.Marshal would not write.
func rawHS(t testing.TB, header, claims string, secret []byte) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	input := enc([]byte(header)) + "." + enc([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc(mac.Sum(nil))
}

// TestClaimDecoding pins how the claims object is read: keys match
// exactly (case-sensitively, after JSON unescaping), the last of
// duplicate keys wins whatever the earlier ones held, null is absent,
// types are strict, and the claims must be one valid JSON object.
// Decoding may get faster; none of these answers may change.
func TestClaimDecoding(t *testing.T) {
	key := secretKey("k1", "app")
	const hdrHS = `{"alg":"HS256","typ":"JWT"}`
	iat, exp := now.Add(-60*time.Second).Unix(), now.Add(5*time.Minute).Unix()
	// base holds everything but what a case changes, in the order the
	// case's claims follow it.
	base := func(rest string) string {
		return `{"iss":"app.example.com","sub":"alice","aud":"https://lock.example.com","iat":` +
			itoa(iat) + `,"exp":` + itoa(exp) + rest + `}`
	}
	tests := []struct {
		name   string
		claims string
		want   error             // nil: accepted
		check  func(Claims) bool // on acceptance
	}{
		{name: "plain", claims: base(""), check: func(c Claims) bool { return c.Issuer == "app.example.com" && c.Subject == "alice" }},
		// duplicates: the last one wins, whatever the earlier held
		{name: "duplicate sub, last wins", claims: base(`,"sub":"bob"`), check: func(c Claims) bool { return c.Subject == "bob" }},
		{name: "duplicate sub, last is null", claims: base(`,"sub":null`), want: ErrClaims},
		{name: "duplicate sub, last is a number", claims: base(`,"sub":5`), want: ErrClaims},
		{name: "duplicate exp, earlier a string", claims: `{"exp":"soon","iss":"app.example.com","sub":"alice","iat":` + itoa(iat) + `,"exp":` + itoa(exp) + `}`,
			check: func(c Claims) bool { return c.ExpiresAt.Unix() == exp }},
		{name: "duplicate exp, last expired", claims: base(`,"exp":` + itoa(now.Add(-time.Hour).Unix())), want: ErrExpired},
		{name: "duplicate aud, last foreign", claims: base(`,"aud":"https://evil.example"`), want: ErrAudience},
		{name: "duplicate aud, last null", claims: base(`,"aud":"https://evil.example","aud":null`), check: func(c Claims) bool { return c.Audience == nil }},
		{name: "duplicate iat, last in the future", claims: base(`,"iat":` + itoa(now.Add(time.Hour).Unix())), want: ErrNotYetValid},
		{name: "duplicate jti", claims: base(`,"jti":"a","jti":"b"`), check: func(c Claims) bool { return c.ID == "b" }},
		// case: only the exact lower-case names are the registered claims
		{name: "ISS instead of iss", claims: `{"ISS":"app.example.com","sub":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "Sub instead of sub", claims: `{"iss":"app.example.com","Sub":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "EXP instead of exp", claims: `{"iss":"app.example.com","sub":"alice","EXP":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "ISS after iss does not replace it", claims: base(`,"ISS":"evil","SUB":"mallory","Aud":"https://evil.example","EXP":1,"Iat":1e10,"NBF":1e10,"JTI":5`),
			check: func(c Claims) bool {
				return c.Issuer == "app.example.com" && c.Subject == "alice" && c.ID == "" && c.NotBefore.IsZero()
			}},
		{name: "Kelvin sign is not k, long s is not s", claims: base(`,"ſub":"mallory","\u017fub":"mallory"`), check: func(c Claims) bool { return c.Subject == "alice" }},
		// escapes in keys and values are decoded before matching
		{name: "escaped key", claims: `{"\u0069ss":"app.example.com","s\u0075b":"alice","exp":` + itoa(exp) + `}`, check: func(c Claims) bool { return c.Issuer == "app.example.com" }},
		{name: "escaped value", claims: base(`,"sub":"al\u0069ce\n\"x\""`), check: func(c Claims) bool { return c.Subject == "alice\n\"x\"" }},
		{name: "non-ASCII value", claims: base(`,"sub":"Zoë 山田"`), check: func(c Claims) bool { return c.Subject == "Zoë 山田" }},
		{name: "invalid UTF-8 value becomes U+FFFD", claims: base(`,"sub":"al` + "\xff" + `ce"`), check: func(c Claims) bool { return c.Subject == "al\uFFFDce" }},
		{name: "invalid UTF-8 in a key does not match", claims: `{"iss":"app.example.com","sub` + "\xff" + `":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "key with a NUL escape does not match", claims: base(`,"sub\u0000":"mallory"`), check: func(c Claims) bool { return c.Subject == "alice" }},
		// nested objects do not count
		{name: "nested iss ignored", claims: `{"x":{"iss":"evil","sub":"mallory"},"iss":"app.example.com","sub":"alice","exp":` + itoa(exp) + `,"y":[{"exp":1}]}`,
			check: func(c Claims) bool { return c.Subject == "alice" && c.ExpiresAt.Unix() == exp }},
		{name: "nested only", claims: `{"x":{"iss":"app.example.com","sub":"alice","exp":` + itoa(exp) + `}}`, want: ErrClaims},
		{name: "strings with brackets and quotes", claims: base(`,"x":"}]{[\"\\","y":["}",{"sub":"]"}]`), check: func(c Claims) bool { return c.Subject == "alice" }},
		{name: "whitespace everywhere", claims: " \t\n{ \"iss\" :\r\n\"app.example.com\" , \"sub\"\t: \"alice\" ,\"exp\" : " + itoa(exp) + " } \n",
			check: func(c Claims) bool { return c.Issuer == "app.example.com" }},
		// nulls are absent
		{name: "iss null", claims: `{"iss":null,"sub":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "exp null", claims: `{"iss":"app.example.com","sub":"alice","exp":null}`, want: ErrClaims},
		{name: "iat null", claims: base(`,"iat":null`), check: func(c Claims) bool { return c.IssuedAt.IsZero() }},
		{name: "nbf null", claims: base(`,"nbf":null`), check: func(c Claims) bool { return c.NotBefore.IsZero() }},
		{name: "jti null", claims: base(`,"jti":null`), check: func(c Claims) bool { return c.ID == "" }},
		{name: "empty iss", claims: `{"iss":"","sub":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "empty sub", claims: base(`,"sub":""`), want: ErrClaims},
		// wrong types
		{name: "iss a number", claims: `{"iss":5,"sub":"alice","exp":` + itoa(exp) + `}`, want: ErrClaims},
		{name: "sub true", claims: base(`,"sub":true`), want: ErrClaims},
		{name: "sub an object", claims: base(`,"sub":{}`), want: ErrClaims},
		{name: "sub an array", claims: base(`,"sub":["alice"]`), want: ErrClaims},
		{name: "jti a number", claims: base(`,"jti":5`), want: ErrClaims},
		{name: "exp a string of digits", claims: base(`,"exp":"` + itoa(exp) + `"`), want: ErrClaims},
		{name: "exp true", claims: base(`,"exp":true`), want: ErrClaims},
		{name: "exp false", claims: base(`,"exp":false`), want: ErrClaims},
		{name: "exp an object", claims: base(`,"exp":{}`), want: ErrClaims},
		{name: "exp an array", claims: base(`,"exp":[` + itoa(exp) + `]`), want: ErrClaims},
		{name: "nbf a string", claims: base(`,"nbf":"0"`), want: ErrClaims},
		{name: "iat true", claims: base(`,"iat":true`), want: ErrClaims},
		{name: "aud a number", claims: base(`,"aud":5`), want: ErrClaims},
		{name: "aud an object", claims: base(`,"aud":{"a":"https://lock.example.com"}`), want: ErrClaims},
		{name: "aud array with a number", claims: base(`,"aud":["https://lock.example.com",1]`), want: ErrClaims},
		{name: "aud array with an array", claims: base(`,"aud":["https://lock.example.com",[]]`), want: ErrClaims},
		{name: "aud array with null", claims: base(`,"aud":[null,"lock.example.com"]`), check: func(c Claims) bool { return slices.Equal(c.Audience, []string{"", "lock.example.com"}) }},
		{name: "aud empty array", claims: base(`,"aud":[]`), want: ErrAudience},
		{name: "aud escaped", claims: base(`,"aud":"https:\/\/lock.example.com"`), check: func(c Claims) bool { return c.Audience[0] == publicURL }},
		// numbers
		{name: "exp with exponent", claims: base(`,"exp":` + itoa(exp/100) + `e2`), check: func(c Claims) bool { return c.ExpiresAt.Unix() == exp/100*100 }},
		{name: "exp with capital exponent and fraction", claims: base(`,"exp":` + itoa(exp) + `.25E0`), check: func(c Claims) bool { return c.ExpiresAt.UnixNano() == exp*1e9+25e7 }},
		{name: "exp too large", claims: base(`,"exp":1e400`), want: ErrClaims},
		{name: "exp beyond the year 5000", claims: base(`,"exp":100000000001`), want: ErrClaims},
		{name: "exp negative", claims: base(`,"exp":-1`), want: ErrExpired},
		{name: "iat negative zero is the epoch", claims: base(`,"iat":-0`), want: ErrLifetime},
		{name: "nbf fractional", claims: base(`,"nbf":` + itoa(iat) + `.5`), check: func(c Claims) bool { return c.NotBefore.UnixNano() == iat*1e9+5e8 }},
		{name: "iat tiny is the epoch", claims: base(`,"iat":1e-300`), want: ErrLifetime},
		// not one valid JSON object
		{name: "array", claims: `[]`, want: ErrMalformed},
		{name: "null", claims: `null`, want: ErrMalformed},
		{name: "number", claims: `5`, want: ErrMalformed},
		{name: "empty", claims: ``, want: ErrMalformed},
		{name: "trailing data", claims: base("") + `{}`, want: ErrMalformed},
		{name: "trailing comma", claims: base(`,`), want: ErrMalformed},
		{name: "single quotes", claims: `{'iss':'app.example.com'}`, want: ErrMalformed},
		{name: "bad number in an unknown claim", claims: base(`,"x":01`), want: ErrMalformed},
		{name: "bad literal in an unknown claim", claims: base(`,"x":nul`), want: ErrMalformed},
		{name: "raw control character in a string", claims: base(`,"x":"a` + "\n" + `b"`), want: ErrMalformed},
		{name: "bad escape", claims: base(`,"x":"\q"`), want: ErrMalformed},
		{name: "unclosed nested", claims: base(`,"x":[{]`), want: ErrMalformed},
		{name: "BOM first", claims: "\ufeff" + base(""), want: ErrMalformed},
	}
	v := testVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rawHS(t, hdrHS, tt.claims, key.Secret)
			if got, want := newOutcome(raw), refOutcome(raw); got != want {
				t.Errorf("decoders differ:\n got  %s\n want %s", got, want)
			}
			c, _, err := v.Verify(raw, []Key{key})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !tt.check(c) {
					t.Fatalf("claims %+v", c)
				}
				tok, err := Parse(raw)
				if err != nil || tok.Issuer != c.Issuer {
					t.Fatalf("Parse = %+v, %v; Verify's issuer %q", tok, err, c.Issuer)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestHeaderDecoding pins how the header is read, by the same rules as
// the claims: exact names, the last duplicate wins, crit refused whatever
// its value, alg a string, kid and typ strings or null.
func TestHeaderDecoding(t *testing.T) {
	k1, k2 := secretKey("k1", "one"), secretKey("k2", "two")
	claims := `{"iss":"app.example.com","sub":"alice","exp":` + itoa(now.Add(5*time.Minute).Unix()) + `}`
	tests := []struct {
		name    string
		header  string
		secret  []byte
		want    error  // nil: accepted
		wantKID string // on acceptance, the key that verified
		typ     string // on acceptance, Token.Type
	}{
		{name: "plain", header: `{"alg":"HS256"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "kid selects", header: `{"alg":"HS256","kid":"k2"}`, secret: k2.Secret, wantKID: "k2"},
		{name: "duplicate kid, last wins", header: `{"alg":"HS256","kid":"k1","kid":"k2"}`, secret: k2.Secret, wantKID: "k2"},
		{name: "duplicate kid, last null", header: `{"alg":"HS256","kid":"nope","kid":null}`, secret: k2.Secret, wantKID: "k2"},
		{name: "duplicate kid, earlier a number", header: `{"alg":"HS256","kid":5,"kid":"k1"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "duplicate alg, last none", header: `{"alg":"HS256","alg":"none"}`, secret: k1.Secret, want: ErrAlgorithm},
		{name: "duplicate alg, earlier none", header: `{"alg":"none","alg":"HS256"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "duplicate alg, last null", header: `{"alg":"HS256","alg":null}`, secret: k1.Secret, want: ErrMalformed},
		{name: "ALG instead of alg", header: `{"ALG":"HS256"}`, secret: k1.Secret, want: ErrAlgorithm},
		{name: "Alg after alg does not replace it", header: `{"alg":"HS256","Alg":"none","KID":"k2"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "escaped alg key", header: `{"\u0061lg":"HS256"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "alg lower case", header: `{"alg":"hs256"}`, secret: k1.Secret, want: ErrAlgorithm},
		{name: "alg NONE", header: `{"alg":"NONE"}`, secret: k1.Secret, want: ErrAlgorithm},
		{name: "alg null", header: `{"alg":null}`, secret: k1.Secret, want: ErrMalformed},
		{name: "alg a number", header: `{"alg":256}`, secret: k1.Secret, want: ErrMalformed},
		{name: "alg an array", header: `{"alg":["HS256"]}`, secret: k1.Secret, want: ErrMalformed},
		{name: "no alg", header: `{"typ":"JWT"}`, secret: k1.Secret, want: ErrAlgorithm},
		{name: "kid a number", header: `{"alg":"HS256","kid":1}`, secret: k1.Secret, want: ErrMalformed},
		{name: "kid unknown", header: `{"alg":"HS256","kid":"k3"}`, secret: k1.Secret, want: ErrUnknownKey},
		{name: "KID is not kid", header: `{"alg":"HS256","KID":"k3"}`, secret: k1.Secret, wantKID: "k1"},
		{name: "typ null", header: `{"alg":"HS256","typ":null}`, secret: k1.Secret, wantKID: "k1"},
		{name: "typ a number", header: `{"alg":"HS256","typ":1}`, secret: k1.Secret, want: ErrMalformed},
		{name: "typ kept", header: `{"alg":"HS256","typ":"enable+jwt"}`, secret: k1.Secret, wantKID: "k1", typ: "enable+jwt"},
		{name: "crit", header: `{"alg":"HS256","crit":["exp"]}`, secret: k1.Secret, want: ErrMalformed},
		{name: "crit null", header: `{"alg":"HS256","crit":null}`, secret: k1.Secret, want: ErrMalformed},
		{name: "crit escaped", header: `{"alg":"HS256","\u0063rit":[]}`, secret: k1.Secret, want: ErrMalformed},
		{name: "Crit is not crit", header: `{"alg":"HS256","Crit":[]}`, secret: k1.Secret, wantKID: "k1"},
		{name: "header trailing data", header: `{"alg":"HS256"}x`, secret: k1.Secret, want: ErrMalformed},
		{name: "header null", header: `null`, secret: k1.Secret, want: ErrMalformed},
	}
	v := testVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rawHS(t, tt.header, claims, tt.secret)
			if got, want := newOutcome(raw), refOutcome(raw); got != want {
				t.Errorf("decoders differ:\n got  %s\n want %s", got, want)
			}
			_, kid, err := v.Verify(raw, []Key{k1, k2})
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Verify error = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || kid != tt.wantKID {
				t.Fatalf("Verify = kid %q, %v; want kid %q", kid, err, tt.wantKID)
			}
			tok, err := Parse(raw)
			if err != nil || tok.Type != tt.typ {
				t.Fatalf("Parse = %+v, %v; want typ %q", tok, err, tt.typ)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
