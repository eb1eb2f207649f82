package siem

import (
	"context"
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// JSON posts each record to a URL, with its idempotency key in the
// Idempotency-Key header: an audit event as deadbolt's audit JSON (the
// fields of audit.Record; the key is its tenant and seq), a check decision
// as a line of `deadbolt checks export` (the key is the check's ID).
type JSON struct {
	URL string
	// Client must be an egress.Policy client; redirects are never followed.
	Client *http.Client
}

// Deliver implements notify.Carrier.
func (j *JSON) Deliver(ctx context.Context, m store.OutboxMessage) error {
	e, err := decode(m)
	if err != nil {
		return err
	}
	return egress.PostJSON(ctx, j.Client, j.URL, "deadbolt-siem/1", e.key, m.Payload)
}
