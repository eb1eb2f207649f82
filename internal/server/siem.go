package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/jobs"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
)

// siemCarriers returns the carriers of the configured SIEM endpoints, by
// name: syslog ones dial through policy, JSON ones post through client
// (egress-checked too).
func siemCarriers(cfg config.Config, policy egress.Policy, client *http.Client) (map[string]notify.BatchCarrier, error) {
	host, _ := os.Hostname()
	carriers := map[string]notify.BatchCarrier{}
	for _, s := range cfg.Audit.SIEM {
		if s.Format == "json" || s.Format == "ndjson" {
			carriers[s.Name] = &siem.JSON{URL: s.Address, Client: client, Lines: s.Format == "ndjson"}
			continue
		}
		u, err := url.Parse(s.Address)
		if err != nil {
			return nil, fmt.Errorf("audit.siem %s: %w", s.Name, err)
		}
		c := &siem.Syslog{Address: u.Host, Host: host, Egress: policy}
		if u.Scheme == "tls" {
			c.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
			if s.CAFile != "" {
				pem, err := os.ReadFile(s.CAFile)
				if err != nil {
					return nil, fmt.Errorf("audit.siem %s: %w", s.Name, err)
				}
				c.TLS.RootCAs = x509.NewCertPool()
				if !c.TLS.RootCAs.AppendCertsFromPEM(pem) {
					return nil, fmt.Errorf("audit.siem %s: no PEM certificate in %s", s.Name, s.CAFile)
				}
			}
		}
		carriers[s.Name] = c
	}
	return carriers, nil
}

// siemDeliverJobs returns one job per SIEM endpoint of this node,
// "siem-deliver/NAME", each delivering that endpoint's messages
// (notify.Streamer) under its own lease: one node at a time sends an
// endpoint's batches, in order, and only a node that has the endpoint
// ever holds its lease, so an endpoint configured on some nodes only is
// still delivered.
func siemDeliverJobs(s notify.StreamStore, clk clock.Clock, log *slog.Logger, streams map[string]notify.BatchCarrier) []jobs.Job {
	names := slices.Sorted(maps.Keys(streams))
	out := make([]jobs.Job, 0, len(names))
	for _, name := range names {
		st := &notify.Streamer{Store: s, Clock: clk, Endpoints: map[string]notify.BatchCarrier{name: streams[name]}, Log: log}
		out = append(out, jobs.Job{Name: "siem-deliver/" + name, Interval: time.Second, Run: func(ctx context.Context) error {
			_, err := st.RunOnce(ctx)
			return err
		}})
	}
	return out
}
