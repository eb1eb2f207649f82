package egress

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// Send sends req through client, a Policy client, never following a
// redirect. It reads at most 64 KiB of the answer, so that the connection
// can be reused, and returns nil for a 2xx answer and a *Failure for
// anything else.
func Send(client *http.Client, req *http.Request) error {
	c := *client
	c.CheckRedirect = NoRedirects
	resp, err := c.Do(req)
	if err != nil {
		return Classify(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Status(resp.StatusCode)
	}
	return nil
}

// PostJSON posts body as JSON to url through Send, within 15 seconds, as
// userAgent, with idempotencyKey in the Idempotency-Key header so that the
// receiver can drop a repeated delivery.
func PostJSON(ctx context.Context, client *http.Client, url, userAgent, idempotencyKey string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Idempotency-Key", idempotencyKey)
	return Send(client, req)
}
