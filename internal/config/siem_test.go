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

// TestAuditDocConfigs: every YAML block of docs/audit.md loads and passes
// the configuration check as written, and the check-decision example opts
// in exactly the endpoint it says.
func TestAuditDocConfigs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("docs/audit.md has %d YAML blocks, want the witness, SIEM and check-decision ones", len(blocks))
	}
	checks := 0
	for i, b := range blocks {
		yaml, _, _ := strings.Cut(b, "```")
		path := filepath.Join(t.TempDir(), "deadbolt.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, func(string) string { return "" })
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Fatalf("YAML block %d of docs/audit.md: %v\n%s", i+1, err, yaml)
		}
		if names := c.Audit.SIEMCheckNames(); len(names) > 0 {
			checks++
			if strings.Join(names, ",") != "lake" || strings.Join(c.Audit.SIEMNames(), ",") != "lake,rsyslog" {
				t.Errorf("check-decision example opts in %v of %v", names, c.Audit.SIEMNames())
			}
		}
	}
	if checks != 1 {
		t.Errorf("%d YAML blocks opt in to check decisions, want 1", checks)
	}
}
