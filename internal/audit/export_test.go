package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
)

// TestExportCSVNeutralisesFormulas: the CSV export (for spreadsheets)
// prefixes cells a spreadsheet would run as a formula with a quote; the
// JSONL export keeps them exact.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	r := Record{TenantID: "t1", Seq: 1, At: time.Unix(0, 0), Actor: "=cmd|' /C calc'!A0", Action: "account.unlocked",
		Target: "@SUM(1+1)", Data: json.RawMessage(`{}`), PrevHash: GenesisHash, Hash: "ab"}
	var out bytes.Buffer
	w, err := NewWriter(&out, CSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(r); err != nil || w.Flush() != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %q, %v", rows, err)
	}
	if rows[1][3] != "'"+r.Actor || rows[1][5] != "'"+r.Target || rows[1][4] != r.Action {
		t.Fatalf("csv row: %q", rows[1])
	}
	out.Reset()
	if w, err = NewWriter(&out, JSONL); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(r); err != nil || w.Flush() != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back.Actor != r.Actor || back.Target != r.Target {
		t.Fatalf("jsonl: %+v, %v", back, err)
	}
}

// FuzzAppendRecordMatchesEncoders holds the direct export encoding to the
// reference ones, encoding/json over a Record and encoding/csv over the
// csvsafe row, for any field values: a difference would make an export
// that verify --file reads differently from the trail.
func FuzzAppendRecordMatchesEncoders(f *testing.F) {
	for _, s := range []string{`{}`, `{"for":"15m0s","reason":"bench"}`, `{"b":1,"a":2}`, `{"a": 1}`, `{"s":"<b>&amp;</b>"}`,
		`{"s":"a\"b"}`, "{\"s\":\"\u2028\"}", "{\"s\":\"\xff\"}", `{"n":1.5}`, `[1,2]`, ``, `{`} {
		f.Add(s, "cli:root", "account.unlocked", "account:alice", int64(7), int64(1764493200123456789))
	}
	for _, s := range []string{"x\"y", "a<b&c>", "\x01", " lead", "\\.", "a,b", "l1\nl2", "cr\r", "=1+1", "-2", "@x", "\tx", "\u2028", "\xff", "é", ""} {
		f.Add(`{}`, s, s, s, int64(1), int64(0))
	}
	f.Fuzz(func(t *testing.T, data, actor, action, target string, seq, at int64) {
		r := Record{TenantID: "0193a4b2-0000-7000-8000-000000000001", Seq: seq, At: time.Unix(0, at).UTC(),
			Actor: actor, Action: action, Target: target, Data: []byte(data), PrevHash: GenesisHash, Hash: actor}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		wantErr := enc.Encode(r)
		got, err := JSONL.AppendRecord([]byte("kept"), r)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("jsonl %+v: error %v, encoding/json %v", r, err, wantErr)
		}
		if err == nil && string(got) != "kept"+want.String() {
			t.Fatalf("jsonl:\ngot  %q\nwant %q", got, "kept"+want.String())
		}
		want.Reset()
		cw := csv.NewWriter(&want)
		cw.Write(csvsafe.Row([]string{r.TenantID, strconv.FormatInt(r.Seq, 10), r.At.UTC().Format(time.RFC3339Nano),
			r.Actor, r.Action, r.Target, string(r.Data), r.PrevHash, r.Hash}))
		cw.Flush()
		if got, _ := CSV.AppendRecord(nil, r); string(got) != want.String() {
			t.Fatalf("csv:\ngot  %q\nwant %q", got, want.String())
		}
	})
}

// TestReadJSONLSummedStopsAtTheFirstFault: lines decoded and hashed in
// batches on several goroutines come to fn in order, and the first fault
// in line order wins, whether it is a changed record (fn's) or a line that
// is not a record.
func TestReadJSONLSummedStopsAtTheFirstFault(t *testing.T) {
	defer func(n int) { jsonlBatch = n }(jsonlBatch)
	jsonlBatch = 3
	recs := chain(t, 25)
	lines := make([]string, len(recs))
	for i, r := range recs {
		b, err := JSONL.AppendRecord(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = strings.TrimSuffix(string(b), "\n")
	}
	changed := func(ls []string, i int) []string {
		ls = slices.Clone(ls)
		ls[i] = strings.Replace(ls[i], `"target":"account:a"`, `"target":"account:b"`, 1)
		return ls
	}
	garbled := func(ls []string, i int) []string {
		ls = slices.Clone(ls)
		ls[i] = `{"tenant":`
		return ls
	}
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // in the error; "" for none
	}{
		{"intact, with a blank line", append(slices.Clone(lines[:10]), append([]string{"  "}, lines[10:]...)...), ""},
		{"a changed record before a bad line in its batch", garbled(changed(lines, 12), 14), "seq 13: hash mismatch"},
		{"a bad line before a changed record", changed(garbled(lines, 6), 19), "line 7 is not an audit record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Chain
			var seqs []int64
			err := ReadJSONLSummed(strings.NewReader(strings.Join(tc.lines, "\n")+"\n"), 4, func(r Record, s Sum) error {
				seqs = append(seqs, r.Seq)
				return c.AddSummed(r, s)
			})
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "" && len(seqs) != 25:
				t.Fatalf("read %d records, want 25", len(seqs))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
			for i, seq := range seqs {
				if seq != int64(i+1) {
					t.Fatalf("records came as seqs %v", seqs)
				}
			}
		})
	}
}

// FuzzDecodeExportedMatchesEncodingJSON holds the direct reading of an
// export line to encoding/json's: a line it reads must be one
// encoding/json reads into the same record.
func FuzzDecodeExportedMatchesEncodingJSON(f *testing.F) {
	for _, r := range chain(f, 3) {
		b, _ := JSONL.AppendRecord(nil, r)
		f.Add(strings.TrimSuffix(string(b), "\n"))
	}
	f.Add(`{"tenant":"t","seq":1,"at":"2026-11-30T09:00:00.5+01:00","actor":"a","action":"b","target":"c","data":{"a":[1,true,null]},"prev_hash":"x","hash":"y"}`)
	f.Add(`{"tenant":"t","seq":01,"at":"2026-11-30T09:00:00Z","actor":"a","action":"b","target":"c","data":{},"prev_hash":"x","hash":"y"}`)
	f.Add(`{"tenant":"t","seq":1,"at":"2026-11-30T24:00:00Z","actor":"a","action":"b","target":"c","data":{},"prev_hash":"x","hash":"y"}`)
	f.Add(`{"tenant":"t","seq":1,"at":"2026-11-30T09:00:00Z","actor":"a\"","action":"b","target":"c","data":{"b":1,"a":2},"prev_hash":"x","hash":"y"} `)
	f.Fuzz(func(t *testing.T, line string) {
		got, ok := decodeExported([]byte(line))
		if !ok {
			return
		}
		var want Record
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("read %q, which encoding/json refuses: %v", line, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\ngot  %+v\nwant %+v", line, got, want)
		}
	})
}
