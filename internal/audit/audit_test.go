package audit

import (
	"errors"
	"testing"
	"time"
)

func chain(t testing.TB, n int) []Record {
	t.Helper()
	var recs []Record
	at := time.Date(2026, 11, 21, 9, 0, 0, 123456789, time.UTC)
	for i := range n {
		var prev *Record
		if i > 0 {
			prev = &recs[i-1]
		}
		r, err := Next(prev, Event{TenantID: "t1", Actor: "cli:root", Action: "account.unlocked",
			Target: "account:a", Data: map[string]any{"i": i, "reason": "<b>&"}}, at.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestVerifyAcceptsAnUnbrokenChain(t *testing.T) {
	recs := chain(t, 5)
	if recs[0].PrevHash != GenesisHash || recs[4].Seq != 5 {
		t.Fatalf("chain shape: %+v", recs[0])
	}
	if i, err := Verify(recs); err != nil || i != -1 {
		t.Fatalf("Verify = %d, %v", i, err)
	}
}

func TestVerifyNamesTheFirstBadRecord(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]Record) []Record
		want   int
	}{
		{"changed data", func(r []Record) []Record { r[2].Data = []byte(`{"i":99}`); return r }, 2},
		{"changed actor", func(r []Record) []Record { r[3].Actor = "member:mallory"; return r }, 3},
		{"changed time", func(r []Record) []Record { r[1].At = r[1].At.Add(time.Nanosecond); return r }, 1},
		{"removed record", func(r []Record) []Record { return append(r[:2], r[3:]...) }, 2},
		{"swapped records", func(r []Record) []Record { r[1], r[2] = r[2], r[1]; return r }, 1},
		{"rehashed record breaks the next", func(r []Record) []Record {
			r[1].Actor = "x"
			h, _ := r[1].computeHash()
			r[1].Hash = h
			return r
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := Verify(tt.tamper(chain(t, 5)))
			if !errors.Is(err, ErrChainBroken) || i != tt.want {
				t.Fatalf("Verify = %d, %v; want %d, ErrChainBroken", i, err, tt.want)
			}
		})
	}
}

func TestCanonicalIsStable(t *testing.T) {
	r := chain(t, 1)[0]
	a, _ := r.Canonical()
	r.Data = []byte(`{ "reason" : "<b>&", "i" : 0 }`) // same JSON, other spelling
	b, _ := r.Canonical()
	if string(a) != string(b) {
		t.Fatalf("canonical form depends on spelling:\n%s\n%s", a, b)
	}
	if want := `{"action":"account.unlocked","actor":"cli:root","at":"2026-11-21T09:00:00.123456789Z","data":{"i":0,"reason":"<b>&"},"seq":1,"target":"account:a","tenant":"t1"}`; string(a) != want {
		t.Fatalf("canonical = %s", a)
	}
}

func TestChainNamesTheFault(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]Record) []Record
		seq    int64
		fault  Fault
	}{
		{"changed field", func(r []Record) []Record { r[2].Actor = "x"; return r }, 3, FaultHash},
		{"deleted record", func(r []Record) []Record { return append(r[:2], r[3:]...) }, 4, FaultGap},
		{"swapped records", func(r []Record) []Record { r[1], r[2] = r[2], r[1]; return r }, 3, FaultGap},
		{"duplicated record", func(r []Record) []Record { return append(r[:3], r[2:]...) }, 3, FaultOrder},
		{"prev_hash pointed elsewhere", func(r []Record) []Record { r[3].PrevHash = r[0].Hash; return r }, 4, FaultLink},
		{"malformed prev_hash", func(r []Record) []Record { r[0].PrevHash = "zz"; return r }, 1, FaultLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Chain
			var err error
			for _, r := range tt.tamper(chain(t, 6)) {
				if err = c.Add(r); err != nil {
					break
				}
			}
			var b *Break
			if !errors.As(err, &b) || !errors.Is(err, ErrChainBroken) || b.Seq != tt.seq || b.Fault != tt.fault {
				t.Fatalf("got %v, want seq %d %s", err, tt.seq, tt.fault)
			}
		})
	}
}

func TestPartialChainAcceptsGapsButNotChanges(t *testing.T) {
	recs := chain(t, 8)
	filtered := []Record{recs[2], recs[3], recs[6]}
	c := Chain{Partial: true}
	for _, r := range filtered {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if c.Gaps != 1 {
		t.Fatalf("gaps = %d, want 1", c.Gaps)
	}
	filtered[2].Target = "account:b"
	c = Chain{Partial: true}
	var err error
	for _, r := range filtered {
		if err = c.Add(r); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrChainBroken) {
		t.Fatal("a changed record after a gap was accepted")
	}
}
