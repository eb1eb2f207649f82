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

// siemCarriers adds the carriers of the configured SIEM endpoints to
// carriers, by name: syslog ones dial through policy, JSON ones post
// through client (egress-checked too).
func siemCarriers(cfg config.Config, policy egress.Policy, client *http.Client, carriers map[string]notify.Carrier) error {
	host, _ := os.Hostname()
	for _, s := range cfg.Audit.SIEM {
		if s.Format == "json" {
			carriers[s.Name] = &siem.JSON{URL: s.Address, Client: client}
			continue
		}
		u, err := url.Parse(s.Address)
		if err != nil {
			return fmt.Errorf("audit.siem %s: %w", s.Name, err)
		}
		c := &siem.Syslog{Address: u.Host, Host: host, Egress: policy}
		if u.Scheme == "tls" {
			c.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
			if s.CAFile != "" {
				pem, err := os.ReadFile(s.CAFile)
				if err != nil {
					return fmt.Errorf("audit.siem %s: %w", s.Name, err)
				}
				c.TLS.RootCAs = x509.NewCertPool()
				if !c.TLS.RootCAs.AppendCertsFromPEM(pem) {
					return fmt.Errorf("audit.siem %s: no PEM certificate in %s", s.Name, s.CAFile)
				}
			}
		}
		carriers[s.Name] = c
	}
	return nil
}
