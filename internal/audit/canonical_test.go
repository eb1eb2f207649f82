package audit

import (
	"bytes"
	"testing"
	"time"
)

// FuzzCanonicalMatchesEncodingJSON holds the fast canonical form to the
// reference one (encoding/json over a map) for any data and field values:
// a difference would make verify call a sound chain broken, or the
// reverse.
func FuzzCanonicalMatchesEncodingJSON(f *testing.F) {
	for _, data := range []string{
		`{}`, `{"for":"15m0s","reason":"bench"}`, `{"a":1,"b":[true,false,null],"c":{"d":-12}}`,
		`{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a": 1}`, `{"n":1.5}`, `{"n":1e3}`, `{"n":-0}`, `{"n":007}`,
		`{"n":12345678901234567890}`, `{"s":"<b>&amp;</b>"}`, `{"s":"\u003c"}`, `{"s":"a\"b"}`,
		`{"s":"caf\u00e9"}`, `{"s":"café"}`, "{\"s\":\"\u2028\"}", "{\"s\":\"\xff\"}", `[1,2]`, `"x"`,
		`null`, `true`, `{"a":{}}`, `{"a":[]}`, `{"a":[{}]}`, ``, `{`, `{"a":}`, `{"a":tru}`,
	} {
		f.Add(data, "cli:root", "account.unlocked", "account:alice", int64(7))
	}
	f.Add(`{}`, "x\"y", "a<b", "\x01", int64(1))
	f.Fuzz(func(t *testing.T, data, actor, action, target string, seq int64) {
		r := Record{
			TenantID: "0193a4b2-0000-7000-8000-000000000001", Seq: seq,
			At:    time.Date(2026, 11, 30, 9, 0, 0, 123456789, time.UTC),
			Actor: actor, Action: action, Target: target, Data: []byte(data),
		}
		fast, fastErr := r.appendCanonical(nil)
		slow, slowErr := r.slowCanonical(nil)
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("data %q: fast error %v, reference error %v", data, fastErr, slowErr)
		}
		if !bytes.Equal(fast, slow) {
			t.Fatalf("data %q:\nfast      %s\nreference %s", data, fast, slow)
		}
	})
}

func BenchmarkCanonicalHash(b *testing.B) {
	r := Record{
		TenantID: "0193a4b2-0000-7000-8000-000000000001", Seq: 42, At: time.Now(),
		Actor: "cli:root", Action: "account.unlocked", Target: "account:alice",
		Data: []byte(`{"for":"15m0s","reason":"bench"}`), PrevHash: GenesisHash,
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.computeHash(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.slowCanonical(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
