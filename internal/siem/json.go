package siem

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// NDJSONType is the Content-Type of a batch posted by a JSON carrier with
// Lines set: newline-delimited JSON, one event a line.
const NDJSONType = "application/x-ndjson"

// JSON posts records to a URL: an audit event as deadbolt's audit JSON
// (the fields of audit.Record; the idempotency key is its tenant and
// seq), a check decision as a line of `deadbolt checks export` (the key
// is the check's ID).
//
// By default (format json) each record is one POST, with its key in the
// Idempotency-Key header, as receivers of the first version expect; the
// posts of a batch follow each other on one kept-alive connection. With
// Lines (format ndjson) a batch is one POST of NDJSONType, each record on
// its own line exactly as format json would post it, and no
// Idempotency-Key header: the key of each line is in the line.
type JSON struct {
	URL string
	// Client must be an egress.Policy client; redirects are never followed.
	Client *http.Client
	// Lines posts a batch as one request of newline-delimited records.
	Lines bool
}

// Deliver implements notify.Carrier: a batch of one.
func (j *JSON) Deliver(ctx context.Context, m store.OutboxMessage) error {
	return j.DeliverBatch(ctx, []store.OutboxMessage{m})[0]
}

// DeliverBatch implements notify.BatchCarrier. A message that cannot be
// read is given up (notify.ErrPermanent) and left out. One POST per
// record stops at the first failure: the records before it were accepted,
// it is reported failed, and the records after it notify.ErrNotSent (no
// attempt counted; they are sent again after it, in order). One POST of the batch
// is accepted or failed as a whole: a receiver that took only some lines
// must answer with an error, and every line comes again.
func (j *JSON) DeliverBatch(ctx context.Context, msgs []store.OutboxMessage) []error {
	errs := make([]error, len(msgs))
	var sent []int
	var lines bytes.Buffer
	for i, m := range msgs {
		e, err := decode(m)
		if err != nil {
			errs[i] = err
			continue
		}
		if !j.Lines {
			if err := egress.PostJSON(ctx, j.Client, j.URL, userAgent, e.key, m.Payload); err != nil {
				failFrom(errs, msgs, i, err)
				return errs
			}
			continue
		}
		lines.Write(bytes.TrimRight(m.Payload, "\n"))
		lines.WriteByte('\n')
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return errs
	}
	if err := j.post(ctx, lines.Bytes()); err != nil {
		for _, i := range sent {
			errs[i] = err
		}
	}
	return errs
}

const userAgent = "deadbolt-siem/1"

// failFrom reports msgs[i] failed with err and the messages after it,
// where they were not given up already, notify.ErrNotSent. err is not
// wrapped: its kind (notify.ErrPermanent) is msgs[i]'s alone.
func failFrom(errs []error, msgs []store.OutboxMessage, i int, err error) {
	errs[i] = err
	for k := i + 1; k < len(msgs); k++ {
		if errs[k] == nil {
			errs[k] = fmt.Errorf("%w: an earlier event failed (%v)", notify.ErrNotSent, err)
		}
	}
}

// post sends one batch of lines through Send, within 30 seconds.
func (j *JSON) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", NDJSONType)
	req.Header.Set("User-Agent", userAgent)
	return egress.Send(j.Client, req)
}
