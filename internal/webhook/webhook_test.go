package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	now    = time.Date(2026, 11, 21, 8, 40, 0, 0, time.UTC)
	secret = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	body   = []byte(`{"id":"evt_1","type":"account.locked","at":"2026-11-21T08:40:00Z","tenant":"acme","data":{"application":"https://app.example.com","account":"alice","locked":true}}`)
)

// hmacHex computes the signature independently of the package code.
func hmacHex(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignFormat(t *testing.T) {
	got := Sign(secret, body, now)
	want := fmt.Sprintf("t=%d,v1=%s", now.Unix(), hmacHex(secret, now.Unix(), body))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	all := SignAll([]string{"old", "new"}, body, now)
	want = fmt.Sprintf("t=%d,v1=%s,v1=%s", now.Unix(), hmacHex("old", now.Unix(), body), hmacHex("new", now.Unix(), body))
	if all != want {
		t.Fatalf("SignAll = %q, want %q", all, want)
	}
}

func TestVerify(t *testing.T) {
	ts := now.Unix()
	good := hmacHex(secret, ts, body)
	other := hmacHex("whsec_other", ts, body)
	hdr := func(ts int64, sigs ...string) string {
		s := fmt.Sprintf("t=%d", ts)
		for _, v := range sigs {
			s += ",v1=" + v
		}
		return s
	}
	tests := []struct {
		name      string
		header    string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error // nil: accepted
	}{
		{"valid", hdr(ts, good), body, now, 0, nil},
		{"valid with spaces", fmt.Sprintf(" t=%d , v1=%s ", ts, good), body, now, 0, nil},
		{"v1 before t", "v1=" + good + ",t=" + fmt.Sprint(ts), body, now, 0, nil},
		{"rotation: second value matches", hdr(ts, other, good), body, now, 0, nil},
		{"rotation: first value matches", hdr(ts, good, other), body, now, 0, nil},
		{"unknown scheme ignored", hdr(ts, good) + ",v0=abc,v2=zz", body, now, 0, nil},
		{"upper-case hex", hdr(ts, strings.ToUpper(good)), body, now, 0, nil},
		{"just inside default tolerance (past)", hdr(ts, good), body, now.Add(5 * time.Minute), 0, nil},
		{"just inside default tolerance (future)", hdr(ts, good), body, now.Add(-5 * time.Minute), 0, nil},
		{"stale", hdr(ts, good), body, now.Add(5*time.Minute + time.Second), 0, ErrTimestamp},
		{"future", hdr(ts, good), body, now.Add(-5*time.Minute - time.Second), 0, ErrTimestamp},
		{"custom tolerance", hdr(ts, good), body, now.Add(30 * time.Second), 10 * time.Second, ErrTimestamp},
		{"body changed", hdr(ts, good), append([]byte(" "), body...), now, 0, ErrSignature},
		{"timestamp changed", hdr(ts+1, good), body, now, 0, ErrSignature},
		{"wrong secret", hdr(ts, other), body, now, 0, ErrSignature},
		{"empty", "", body, now, 0, ErrMissing},
		{"blank", "   ", body, now, 0, ErrMissing},
		{"no t", "v1=" + good, body, now, 0, ErrMalformed},
		{"no v1", hdr(ts), body, now, 0, ErrMalformed},
		{"two t", hdr(ts, good) + ",t=1", body, now, 0, ErrMalformed},
		{"negative t", "t=-5,v1=" + good, body, now, 0, ErrMalformed},
		{"t with sign", fmt.Sprintf("t=+%d,v1=%s", ts, good), body, now, 0, ErrMalformed},
		{"t not a number", "t=yesterday,v1=" + good, body, now, 0, ErrMalformed},
		{"t huge", "t=99999999999999999999,v1=" + good, body, now, 0, ErrMalformed},
		{"t in milliseconds", hdr(now.UnixMilli(), hmacHex(secret, now.UnixMilli(), body)), body, now, 0, ErrMalformed},
		{"v1 short", hdr(ts, good[:62]), body, now, 0, ErrMalformed},
		{"v1 not hex", hdr(ts, strings.Repeat("zz", 32)), body, now, 0, ErrMalformed},
		{"item without =", hdr(ts, good) + ",junk", body, now, 0, ErrMalformed},
		{"too many v1", hdr(ts, other, other, other, other, other, other, other, other, good), body, now, 0, ErrMalformed},
		{"too long", hdr(ts, good) + ",x=" + strings.Repeat("a", MaxHeaderSize), body, now, 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(secret, tt.header, tt.body, tt.now, tt.tolerance)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want %v (wrapping ErrInvalid)", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestVerifyAny(t *testing.T) {
	h := Sign("whsec_new", body, now)
	if err := VerifyAny([]string{"whsec_old", "whsec_new"}, h, body, now, 0); err != nil {
		t.Fatalf("VerifyAny with the new secret second: %v", err)
	}
	if err := VerifyAny([]string{"whsec_old"}, h, body, now, 0); !errors.Is(err, ErrSignature) {
		t.Fatalf("VerifyAny with only the old secret = %v, want ErrSignature", err)
	}
	for _, secrets := range [][]string{nil, {""}, {"", ""}} {
		err := VerifyAny(secrets, h, body, now, 0)
		if !errors.Is(err, ErrNoSecret) || errors.Is(err, ErrInvalid) {
			t.Fatalf("VerifyAny(%q) = %v, want ErrNoSecret not wrapping ErrInvalid", secrets, err)
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s := NewSecret()
	for _, b := range [][]byte{nil, {}, body, []byte("a.b.c,t=1,v1=")} {
		h := Sign(s, b, now)
		if err := Verify(s, h, b, now, time.Second); err != nil {
			t.Fatalf("round trip of %q: %v", b, err)
		}
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		s := NewSecret()
		rest, ok := strings.CutPrefix(s, SecretPrefix)
		if !ok {
			t.Fatalf("secret %q lacks prefix", s)
		}
		b, err := base64.RawURLEncoding.DecodeString(rest)
		if err != nil || len(b) != 32 {
			t.Fatalf("secret %q: %d bytes, %v", s, len(b), err)
		}
		if seen[s] {
			t.Fatalf("secret repeated")
		}
		seen[s] = true
	}
}

func TestParseEvent(t *testing.T) {
	e, err := ParseEvent(body)
	if err != nil {
		t.Fatalf("ParseEvent: %v", err)
	}
	if e.ID != "evt_1" || e.Type != TypeAccountLocked || e.Tenant != "acme" || !e.At.Equal(now) ||
		e.Data.Application != "https://app.example.com" || e.Data.Account != "alice" || !e.Data.Locked || e.Data.Until != nil {
		t.Fatalf("ParseEvent = %+v", e)
	}
	until := `{"id":"e","type":"account.unlocked","at":"2026-11-21T08:40:00Z","tenant":"t","data":{"application":"a","account":"b","locked":false,"until":"2026-11-21T08:55:00Z","extra":1},"more":[]}`
	e, err = ParseEvent([]byte(until))
	if err != nil || e.Data.Until == nil || !e.Data.Until.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("ParseEvent(unlock until) = %+v, %v", e, err)
	}

	bad := []struct{ name, body string }{
		{"not json", `nope`},
		{"array", `[]`},
		{"unknown type", `{"id":"e","type":"account.deleted","data":{"application":"a","account":"b"}}`},
		{"type disagrees", `{"id":"e","type":"account.locked","data":{"application":"a","account":"b","locked":false}}`},
		{"unlock says locked", `{"id":"e","type":"account.unlocked","data":{"application":"a","account":"b","locked":true}}`},
		{"no id", `{"type":"account.locked","data":{"application":"a","account":"b","locked":true}}`},
		{"no account", `{"id":"e","type":"account.locked","data":{"application":"a","locked":true}}`},
		{"no application", `{"id":"e","type":"account.locked","data":{"account":"b","locked":true}}`},
		{"locked as string", `{"id":"e","type":"account.locked","data":{"application":"a","account":"b","locked":"true"}}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseEvent([]byte(tt.body)); !errors.Is(err, ErrEvent) {
				t.Fatalf("ParseEvent = %v, want ErrEvent", err)
			}
		})
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(Sign(secret, body, now))
	f.Add(SignAll([]string{"a", "b"}, body, now))
	f.Add("t=1,v1=")
	f.Add("t=,v1=00")
	f.Add(",,,")
	f.Add("t=1=2,v1=" + strings.Repeat("0", 64))
	f.Add("v1=" + strings.Repeat("a", 64) + ",t=0")
	f.Add("t=\x00,v1=\xff")
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := ParseSignature(header)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			if sig.V1 != nil || !sig.Timestamp.IsZero() {
				t.Fatalf("error with a result: %+v", sig)
			}
			return
		}
		if len(sig.V1) == 0 || len(sig.V1) > MaxSignatures || sig.Timestamp.Before(time.Unix(0, 0)) {
			t.Fatalf("accepted %q as %+v", header, sig)
		}
		for _, v := range sig.V1 {
			if len(v) != sha256.Size {
				t.Fatalf("v1 of %d bytes", len(v))
			}
		}
		// A header that parses verifies only with the right MAC: a random
		// header must not verify against this body.
		if err := Verify(secret, header, body, sig.Timestamp, time.Second); err == nil && !strings.Contains(strings.ToLower(header), hmacHex(secret, sig.Timestamp.Unix(), body)[:16]) {
			t.Fatalf("forged header %q verified", header)
		}
	})
}
