package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"
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
