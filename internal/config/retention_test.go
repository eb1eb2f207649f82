package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "400d", want: 400 * 24 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "720h", want: 720 * time.Hour},
		{in: "forever", want: 0},
		{in: "0", bad: true},
		{in: "0d", bad: true},
		{in: "-5d", bad: true},
		{in: "-1h", bad: true},
		{in: "", bad: true},
		{in: "soon", bad: true},
		{in: "1.5d", bad: true},
		{in: "99999999d", bad: true},
	} {
		got, err := ParseRetention(tc.in)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestRetentionFromFileAndEnv(t *testing.T) {
	c := Default()
	if c.Retention() != 400*24*time.Hour {
		t.Fatalf("default retention %v", c.Retention())
	}
	path := t.TempDir() + "/deadbolt.yaml"
	if err := os.WriteFile(path, []byte("check_log_retention: 30d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, func(string) string { return "" })
	if err != nil || c.Retention() != 30*24*time.Hour {
		t.Fatalf("from file: %v, %v", c.Retention(), err)
	}
	c, err = Load(path, func(k string) string {
		if k == "DEADBOLT_CHECK_LOG_RETENTION" {
			return "forever"
		}
		return ""
	})
	if err != nil || c.Retention() != 0 || c.Validate() != nil {
		t.Fatalf("from env: %v, %v, %v", c.Retention(), err, c.Validate())
	}
	c.CheckLogRetention = "0"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "check_log_retention") {
		t.Fatalf("Validate of retention 0 = %v, want a problem naming check_log_retention", err)
	}
}
