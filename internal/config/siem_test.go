package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditSIEM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.yaml")
	os.WriteFile(path, []byte(`audit:
  witnesses:
    - {name: copy, file: /var/lib/w.jsonl}
  siem:
    - {name: rsyslog, format: syslog, address: "tcp://syslog.example.com:514"}
    - {name: secure, format: syslog, address: "tls://syslog.example.com:6514", ca_file: /etc/ca.pem}
    - {name: lake, format: json, address: "https://siem.example.com/ingest", checks: true}
    - {name: checks-tls, format: syslog, address: "tls://syslog.example.com:6514", checks: true}
`), 0o600)
	c, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Audit.SIEMNames(), ","); got != "rsyslog,secure,lake,checks-tls" {
		t.Fatalf("names %q", got)
	}
	// checks: true is accepted, on either format, and opts in only the
	// endpoints that say so.
	if got := strings.Join(c.Audit.SIEMCheckNames(), ","); got != "lake,checks-tls" {
		t.Fatalf("endpoints with check decisions %q", got)
	}

	bad := Default()
	bad.Audit.Witnesses = []Witness{{Name: "copy", File: "/w"}}
	bad.Audit.SIEM = []SIEM{
		{Name: "copy", Format: "json", Address: "https://x.example"},
		{Name: "a", Format: "syslog", Address: "https://x.example"},
		{Name: "b", Format: "json", Address: "tcp://x.example:514"},
		{Name: "c", Format: "cef", Address: "tcp://x.example:514"},
		{Name: "d", Format: "syslog", Address: "tcp://x.example"},
		{Name: "e", Format: "syslog", Address: "tcp://x.example:514", CAFile: "/ca.pem"},
		{Name: "deadbolt:blocked_signin", Format: "json", Address: "https://x.example"},
	}
	err = bad.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`audit.siem[0].name: "copy" is used twice`, "audit.siem[1].address", "audit.siem[2].address",
		"audit.siem[3].format", "audit.siem[4].address", "audit.siem[5].ca_file", "audit.siem[6].name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not reported in %v", want, err)
		}
	}
}
