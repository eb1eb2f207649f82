package server

import (
	"fmt"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
)

// A node delivers only the SIEM endpoints it has, each under its own job
// lease, so a node without an endpoint never holds that endpoint's lease
// (and keeps it from the nodes that have it).
func TestSIEMDeliverJobsPerEndpoint(t *testing.T) {
	if jobs := siemDeliverJobs(nil, nil, nil, nil); len(jobs) != 0 {
		t.Fatalf("a node without SIEM endpoints has %d siem-deliver jobs", len(jobs))
	}
	streams := map[string]notify.BatchCarrier{"lake": &siem.JSON{}, "rsyslog": &siem.Syslog{}}
	var names []string
	for _, j := range siemDeliverJobs(nil, nil, nil, streams) {
		names = append(names, j.Name)
	}
	if fmt.Sprint(names) != "[siem-deliver/lake siem-deliver/rsyslog]" {
		t.Fatalf("jobs %v, want one per endpoint", names)
	}
}
