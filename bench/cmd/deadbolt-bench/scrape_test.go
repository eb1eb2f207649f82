package main

import (
	"strings"
	"testing"
)

func TestView(t *testing.T) {
	before := parseSamples(strings.NewReader(`# HELP deadbolt_check_duration_seconds Lock check latency inside the server.
deadbolt_check_duration_seconds_bucket{le="0.001"} 10
deadbolt_check_duration_seconds_bucket{le="0.005"} 10
deadbolt_check_duration_seconds_bucket{le="0.01"} 10
deadbolt_check_duration_seconds_bucket{le="+Inf"} 10
deadbolt_check_duration_seconds_count 10
deadbolt_checklog_batch_size_sum 10
deadbolt_checklog_batch_size_count 2
deadbolt_store_duration_seconds_sum{op="append_checks"} 0.002
deadbolt_store_duration_seconds_count{op="append_checks"} 2
`))
	tests := []struct {
		name      string
		after     string
		wantP99   float64
		wantBatch float64
		wantMs    float64
	}{
		{"p99 in the 5 ms bucket", `deadbolt_check_duration_seconds_bucket{le="0.001"} 910
deadbolt_check_duration_seconds_bucket{le="0.005"} 1009
deadbolt_check_duration_seconds_bucket{le="0.01"} 1010
deadbolt_check_duration_seconds_bucket{le="+Inf"} 1010
deadbolt_check_duration_seconds_count 1010
deadbolt_checklog_batch_size_sum 1010
deadbolt_checklog_batch_size_count 102
deadbolt_store_duration_seconds_sum{op="append_checks"} 0.202
deadbolt_store_duration_seconds_count{op="append_checks"} 102
`, 5, 10, 2},
		{"p99 beyond the last bucket", `deadbolt_check_duration_seconds_bucket{le="0.001"} 11
deadbolt_check_duration_seconds_bucket{le="0.005"} 11
deadbolt_check_duration_seconds_bucket{le="0.01"} 11
deadbolt_check_duration_seconds_bucket{le="+Inf"} 110
deadbolt_check_duration_seconds_count 110
`, -1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := view(before, parseSamples(strings.NewReader(tt.after)))
			if !ok || v.HandlerP99 != tt.wantP99 || v.Batch != tt.wantBatch || v.Commit != tt.wantMs {
				t.Errorf("view = %+v, %v; want p99 %v, batch %v, commit %v ms", v, ok, tt.wantP99, tt.wantBatch, tt.wantMs)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{7: "7", 1000: "1 000", 10000: "10 000", 1000000: "1 000 000"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
