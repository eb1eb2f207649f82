package token

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// fuzzKeys are fixed so that seeds stay valid across runs; the EC and Ed
// keys are generated per run, which only matters for their own seeds.
func fuzzKeys(t testing.TB) []Key {
	return []Key{secretKey("k1", "fuzz"), secretKey("k2", "fuzz2"), ecKey(t, "ec"), edKey(t, "ed")}
}

func fuzzSeeds(f *testing.F, keys []Key) {
	hs := keys[0]
	f.Add(hsToken(f, hdr("HS256"), nl3Claims(), hs.Secret))
	f.Add(hsToken(f, hdrKID("HS256", "k2"), nl3Claims(), keys[1].Secret))
	f.Add(hsToken(f, hdr("HS256"), with(nl3Claims(), "aud", []any{"x", publicURL}, "exp", 1.5e9), hs.Secret))
	f.Add(hsToken(f, hdr("HS256"), with(nl3Claims(), "exp", rawJSON("1e400"), "nbf", rawJSON("-0")), hs.Secret))
	f.Add(signed(f, keys[2], hdr("ES256"), nl3Claims()))
	f.Add(signed(f, keys[3], hdrKID("EdDSA", "ed"), nl3Claims()))
	f.Add(seg(f, hdr("none")) + "." + seg(f, nl3Claims()) + ".")
	f.Add(seg(f, map[string]any{"alg": "HS256", "crit": []string{"x"}}) + ".e30.")
	f.Add("eyJhbGciOiJIUzI1NiJ9.bnVsbA.")
	f.Add("e30.e30.e30")
	f.Add("..")
	f.Add("")
	f.Add("a.b.c")
	f.Add("\xff.\xfe.\xfd")
}

func FuzzVerify(f *testing.F) {
	keys := fuzzKeys(f)
	fuzzSeeds(f, keys)
	v := &Verifier{Audiences: []string{publicURL}, Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, raw string) {
		c, kid, err := v.Verify(raw, keys)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || Code(err) == "" || Message(err) == "" {
				t.Fatalf("rejection %v lacks a kind, code or message", err)
			}
			if c.Issuer != "" || kid != "" {
				t.Fatalf("rejection returned claims %+v kid %q", c, kid)
			}
			return
		}
		if c.Issuer == "" || c.Subject == "" || c.ExpiresAt.IsZero() {
			t.Fatalf("accepted token without required claims: %+v", c)
		}
		if !slices.ContainsFunc(keys, func(k Key) bool { return k.KID == kid }) {
			t.Fatalf("accepted with unknown kid %q", kid)
		}
		if iss, _, err := Peek(raw); err != nil || iss != c.Issuer {
			t.Fatalf("Peek disagrees with Verify: %q, %v", iss, err)
		}
	})
}

func FuzzPeek(f *testing.F) {
	fuzzSeeds(f, fuzzKeys(f))
	f.Fuzz(func(t *testing.T, raw string) {
		iss, kid, err := Peek(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || Code(err) == "" {
				t.Fatalf("Peek error %v lacks a kind or code", err)
			}
			if iss != "" || kid != "" {
				t.Fatalf("Peek error with values %q %q", iss, kid)
			}
			return
		}
		if iss == "" {
			t.Fatal("Peek succeeded without an issuer")
		}
	})
}
