package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"

	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
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
