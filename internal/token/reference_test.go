package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

// The map decoder below is the one the token package used until the walk
// in json.go replaced it, kept verbatim as the reference the walk must
// agree with on every input (FuzzDecodeLikeMaps).

func refParse(raw string) (*refParsed, error) {
	h, rest, _ := bytesCut(raw)
	payload, sig, _ := bytesCut(rest)
	p := &refParsed{}
	header, err := refDecodeObject(h)
	if err != nil {
		return nil, reject.New(ErrMalformed, "header is not a base64url-encoded JSON object")
	}
	if _, ok := header["crit"]; ok {
		return nil, reject.New(ErrMalformed, "critical header extensions are not supported")
	}
	if v, ok := header["alg"]; ok {
		if err := json.Unmarshal(v, &p.alg); err != nil || refIsNull(v) {
			return nil, reject.New(ErrMalformed, "header alg is not a string")
		}
	}
	if v, ok := header["kid"]; ok && !refIsNull(v) {
		if err := json.Unmarshal(v, &p.kid); err != nil {
			return nil, reject.New(ErrMalformed, "header kid is not a string")
		}
		p.hasKID = p.kid != ""
	}
	if v, ok := header["typ"]; ok && !refIsNull(v) {
		if err := json.Unmarshal(v, &p.typ); err != nil {
			return nil, reject.New(ErrMalformed, "header typ is not a string")
		}
	}
	if p.claims, err = refDecodeObject(payload); err != nil {
		return nil, reject.New(ErrMalformed, "claims are not a base64url-encoded JSON object")
	}
	if p.signature, err = b64.DecodeString(sig); err != nil {
		return nil, reject.New(ErrMalformed, "signature is not base64url")
	}
	return p, nil
}

func bytesCut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

type refParsed struct {
	signature     []byte
	alg, kid, typ string
	hasKID        bool
	claims        map[string]json.RawMessage
}

func refDecodeObject(seg string) (map[string]json.RawMessage, error) {
	b, err := b64.DecodeString(seg)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}

func refIsNull(v json.RawMessage) bool { return bytes.Equal(v, []byte("null")) }

func (p *refParsed) str(name string) (string, bool, error) {
	v, ok := p.claims[name]
	if !ok || refIsNull(v) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, reject.New(ErrClaims, "claim %s is not a string", name)
	}
	return s, true, nil
}

func (p *refParsed) requiredString(name string) (string, error) {
	s, ok, err := p.str(name)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", reject.New(ErrClaims, "missing required claim %s", name)
	}
	return s, nil
}

func (p *refParsed) date(name string) (time.Time, bool, error) {
	v, ok := p.claims[name]
	if !ok || refIsNull(v) {
		return time.Time{}, false, nil
	}
	var n json.Number
	if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &n) != nil {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is not a number of seconds", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxSeconds {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

func (p *refParsed) audience() ([]string, bool, error) {
	v, ok := p.claims["aud"]
	if !ok || refIsNull(v) {
		return nil, false, nil
	}
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, true, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil || many == nil {
		return nil, false, reject.New(ErrClaims, "claim aud is not a string or an array of strings")
	}
	return many, true, nil
}

func (p *refParsed) claimSet() (c Claims, hasAud bool, err error) {
	if c.Issuer, err = p.requiredString("iss"); err != nil {
		return Claims{}, false, err
	}
	if c.Subject, err = p.requiredString("sub"); err != nil {
		return Claims{}, false, err
	}
	var hasExp bool
	if c.ExpiresAt, hasExp, err = p.date("exp"); err != nil {
		return Claims{}, false, err
	} else if !hasExp {
		return Claims{}, false, reject.New(ErrClaims, "missing required claim exp")
	}
	if c.NotBefore, _, err = p.date("nbf"); err != nil {
		return Claims{}, false, err
	}
	if c.IssuedAt, _, err = p.date("iat"); err != nil {
		return Claims{}, false, err
	}
	if c.Audience, hasAud, err = p.audience(); err != nil {
		return Claims{}, false, err
	}
	if c.ID, _, err = p.str("jti"); err != nil {
		return Claims{}, false, err
	}
	return c, hasAud, nil
}

// outcome is everything parse and claimSet tell about a token, as text.
func outcome(alg, kid, typ string, hasKID bool, sig []byte, c Claims, hasAud bool, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("alg %q kid %q/%v typ %q sig %x claims %q %q %q %v %v %v %q aud %v",
		alg, kid, hasKID, typ, sig, c.Issuer, c.Subject, c.Audience, c.ExpiresAt.UnixNano(), c.NotBefore.UnixNano(),
		c.IssuedAt.UnixNano(), c.ID, hasAud)
}

func newOutcome(raw string) string {
	p, err := parse(raw)
	if err != nil {
		return outcome("", "", "", false, nil, Claims{}, false, err)
	}
	c, hasAud, err := p.claimSet()
	return outcome(p.alg, p.kid, p.typ, p.hasKID, p.signature, c, hasAud, err)
}

func refOutcome(raw string) string {
	p, err := refParse(raw)
	if err != nil {
		return outcome("", "", "", false, nil, Claims{}, false, err)
	}
	c, hasAud, err := p.claimSet()
	return outcome(p.alg, p.kid, p.typ, p.hasKID, p.signature, c, hasAud, err)
}

// FuzzDecodeLikeMaps feeds header and claims JSON to both decoders and
// requires the same answer: the same values or the same error.
func FuzzDecodeLikeMaps(f *testing.F) {
	for _, h := range []string{`{"alg":"HS256"}`, `{"alg":"HS256","kid":"k","typ":"JWT"}`, `{"alg":null}`,
		`{"alg":"a","alg":"b","kid":null,"crit":1}`, `{"\u0061lg":"x","ALG":"y"}`, `null`, `[]`, `{"kid":5}`} {
		for _, c := range []string{
			`{"iss":"i","sub":"s","exp":1e9,"aud":["a",null],"iat":-0,"nbf":1.5,"jti":"j"}`,
			`{"iss":"i","iss":"j","ISS":"k","sub":"\u0073","exp":"1","aud":5}`,
			`{"iss":"i","sub":"s","exp":1e400}`, `{"iss":"i","sub":"s","exp":true}`,
			`{"iss":"i` + "\xff" + `","sub` + "\xff" + `":"s","exp":1}`, ` { "x" : [ { "iss" : "}" } ] , "iss":"i" } `,
			`{"iss":"i","sub":"s","exp":1,"aud":[]}`, `{"iss":"i","sub":"s","exp":1,"aud":["a",1]}`, `{}x`, `{"a":01}`,
		} {
			f.Add([]byte(h), []byte(c))
		}
	}
	enc := base64.RawURLEncoding.EncodeToString
	f.Fuzz(func(t *testing.T, header, claims []byte) {
		raw := enc(header) + "." + enc(claims) + ".c2ln"
		if got, want := newOutcome(raw), refOutcome(raw); got != want {
			t.Fatalf("header %q claims %q:\n got  %s\n want %s", header, claims, got, want)
		}
	})
}
