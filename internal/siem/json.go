package siem

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// JSON posts each record, as deadbolt's audit JSON (the fields of
// audit.Record), to a URL, with the record's tenant and seq in the
// Idempotency-Key header.
type JSON struct {
	URL string
	// Client must be an egress.Policy client; redirects are never followed.
	Client *http.Client
}

// Deliver implements notify.Carrier.
func (j *JSON) Deliver(ctx context.Context, m store.OutboxMessage) error {
	var r audit.Record
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		return fmt.Errorf("siem: message %s: %w", m.ID, err)
	}
	return egress.PostJSON(ctx, j.Client, j.URL, "deadbolt-siem/1", IdempotencyKey(r), m.Payload)
}
