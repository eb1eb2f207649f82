package server

import (
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/checkpoint"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
)

// AuditSigner returns the checkpoint signer of the master key in box.
func AuditSigner(box *seal.Box) (*audit.Signer, error) {
	seed, err := box.Derive(audit.KeyLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return audit.NewSigner(seed)
}

// AuditKeyDocument is what /.well-known/deadbolt-audit-key serves and
// `deadbolt audit key --json` prints.
func AuditKeyDocument(k audit.PublicKey) map[string]string {
	return map[string]string{"algorithm": "Ed25519", "key_id": k.ID, "public_key": base64.StdEncoding.EncodeToString(k.Key)}
}

// auditWitnesses returns the signer and the carriers of the configured
// witnesses, by name; URL witnesses post through client (egress-checked).
func auditWitnesses(cfg config.Config, box *seal.Box, client *http.Client) (*audit.Signer, map[string]notify.Carrier, error) {
	signer, err := AuditSigner(box)
	if err != nil {
		return nil, nil, err
	}
	carriers := map[string]notify.Carrier{}
	for _, w := range cfg.Audit.Witnesses {
		if w.File != "" {
			carriers[w.Name] = &checkpoint.FileWitness{Path: w.File}
		} else {
			carriers[w.Name] = &checkpoint.HTTPWitness{URL: w.URL, Client: client}
		}
	}
	return signer, carriers, nil
}
