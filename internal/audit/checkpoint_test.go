package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func testSigner(t *testing.T, b byte) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWitnessNamesTheFault(t *testing.T) {
	recs := chain(t, 6)
	s, other := testSigner(t, 1), testSigner(t, 2)
	at := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	cp := func(i int) Checkpoint { return s.Sign("t1", recs[i].Seq, recs[i].Hash, at) }
	forged := cp(3)
	forged.Hash = recs[2].Hash
	tests := []struct {
		name  string
		cps   []Checkpoint
		recs  []Record
		seq   int64
		fault Fault
	}{
		{"all match, repeats count once", []Checkpoint{cp(2), cp(5), cp(2)}, recs, 0, ""},
		{"rewritten history", []Checkpoint{cp(1), cp(4)}, append(append([]Record(nil), recs[:4]...), Record{TenantID: "t1", Seq: 5, Hash: "ff"}, recs[5]), 5, FaultCheckpoint},
		{"cut tail", []Checkpoint{cp(5)}, recs[:4], 6, FaultCheckpoint},
		{"forged checkpoint", []Checkpoint{forged}, recs, 4, FaultSignature},
		{"another key", []Checkpoint{other.Sign("t1", 2, recs[1].Hash, at)}, recs, 2, FaultSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWitness(s.PublicKey(), tt.cps)
			var err error
			for _, r := range tt.recs {
				if err = w.Record(r, false); err != nil {
					break
				}
			}
			if err == nil {
				err = w.End(tt.recs[len(tt.recs)-1].Seq, false)
			}
			var b *Break
			switch {
			case tt.fault == "" && err != nil:
				t.Fatal(err)
			case tt.fault == "" && w.Checked != 2:
				t.Fatalf("checked %d, want 2", w.Checked)
			case tt.fault != "" && (!errors.As(err, &b) || b.Seq != tt.seq || b.Fault != tt.fault):
				t.Fatalf("got %v, want seq %d %s", err, tt.seq, tt.fault)
			}
		})
	}
}

func TestCheckpointJSONRoundTrips(t *testing.T) {
	s := testSigner(t, 7)
	c := s.Sign("t1", 9, GenesisHash, time.Now())
	raw, _ := json.Marshal(c)
	cps, err := ReadCheckpoints(bytes.NewReader(append(append(raw, '\n'), raw...)))
	if err != nil || len(cps) != 2 || !s.PublicKey().Verify(cps[1]) {
		t.Fatalf("read back %v, %v", cps, err)
	}
	k, err := ParsePublicKey("not a key")
	if err == nil {
		t.Fatalf("parsed %v", k)
	}
}
