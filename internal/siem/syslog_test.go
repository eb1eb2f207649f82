package siem_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
)

func TestFormat(t *testing.T) {
	r := audit.Record{TenantID: "t1", Seq: 42, At: time.Date(2026, 11, 30, 8, 1, 2, 345678900, time.FixedZone("x", 3600)),
		Actor: `member:"m]1\`, Action: "account.unlocked", Target: "account:a1", Data: json.RawMessage(`{"k":"v"}`),
		PrevHash: "00", Hash: "ab"}
	got, err := siem.Format(r, "node 1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(r)
	want := `<109>1 2026-11-30T07:01:02.345678Z node_1 deadbolt - account.unlocked ` +
		`[deadbolt@32473 tenant="t1" seq="42" actor="member:\"m\]1\\" target="account:a1" hash="ab"] ` + string(body)
	if string(got) != want {
		t.Errorf("Format:\n got %s\nwant %s", got, want)
	}

	// Header fields: non-printable and space become '_', long ones are
	// cut, empty ones are the nil value.
	r.Action = strings.Repeat("é", 20)
	got, _ = siem.Format(r, "")
	if f := strings.Fields(string(got)); f[2] != "-" || f[5] != strings.Repeat("_", 32) {
		t.Errorf("header fields %q", f[:6])
	}

	if f := siem.Frame([]byte("<109>1 x")); string(f) != "8 <109>1 x" {
		t.Errorf("Frame = %q", f)
	}
	if f := siem.Frame([]byte("é")); string(f) != "2 é" { // octets, not runes
		t.Errorf("Frame = %q", f)
	}
}

func TestIdempotencyKey(t *testing.T) {
	if k := siem.IdempotencyKey(audit.Record{TenantID: "t1", Seq: 7}); k != "t1:7" {
		t.Errorf("key %q", k)
	}
}
