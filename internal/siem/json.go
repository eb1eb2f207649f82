package siem

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

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
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "deadbolt-siem/1")
	req.Header.Set("Idempotency-Key", IdempotencyKey(r))
	c := *j.Client
	c.CheckRedirect = egress.NoRedirects
	resp, err := c.Do(req)
	if err != nil {
		return egress.Classify(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return egress.Status(resp.StatusCode)
	}
	return nil
}
