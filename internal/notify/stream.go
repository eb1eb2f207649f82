package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// StreamBatch is how many messages of one endpoint a Streamer claims,
// sends and finishes at a time, by default.
const StreamBatch = 500

// StreamRounds bounds the batches of one endpoint in one Streamer round,
// by default, and StreamBudget its time, so that a round ends and the job
// renews its lease (jobs.Runner) well before it runs out.
const (
	StreamRounds = 20
	StreamBudget = 5 * time.Second
)

// RecordTimeout bounds the recording of a batch's results, which goes on
// after the Streamer's ctx has ended.
const RecordTimeout = 5 * time.Second

// BatchCarrier delivers the outbox messages of one endpoint several at a
// time (package siem: syslog over one connection, JSON in one request).
// DeliverBatch is given messages in the order they are to arrive and
// returns one error per message, in the same order: nil only once the
// receiver has accepted that message; one wrapping ErrNotSent for a
// message it never handed over (the batch stopped before it), which is
// released without counting an attempt; one wrapping ErrPermanent to give
// it up; any other to try it again. A message not known to have arrived
// (sent on a connection that then failed) is never nil. It must be safe
// for concurrent use.
type BatchCarrier interface {
	DeliverBatch(ctx context.Context, msgs []store.OutboxMessage) []error
}

// ErrNotSent marks a message of a batch that a BatchCarrier never handed
// to the receiver: the Streamer releases it, due again with the message
// that stopped the batch, and counts no attempt, so a message that keeps
// failing alone reaches MaxAttempts and is given up alone, and the
// messages behind it are then sent.
var ErrNotSent = errors.New("not sent")

// StreamStore is what a Streamer needs of the store.
type StreamStore interface {
	ClaimEndpoint(ctx context.Context, endpoint string, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error)
	FinishOutbox(ctx context.Context, results ...store.OutboxResult) error
}

// Streamer delivers the SIEM endpoints' messages (store.ChannelSIEM), a
// batch at a time: for each endpoint it claims up to Batch due messages,
// oldest first (ClaimEndpoint), hands them to the endpoint's carrier in
// that order, and records every result in one FinishOutbox transaction,
// with the attempts, back-off and giving up of the Deliverer, message by
// message. Endpoints are served side by side, each by one goroutine, so
// one endpoint's messages go out one batch after the other, in order, and
// a dead endpoint does not hold the others up.
//
// Messages of an endpoint that is not in Endpoints are not claimed: they
// wait, pending, until a node that has it delivers them.
type Streamer struct {
	Store     StreamStore
	Clock     clock.Clock
	Endpoints map[string]BatchCarrier
	// Batch is how many messages one claim takes (default StreamBatch).
	Batch int
	// Rounds bounds the batches of an endpoint in one RunOnce (default
	// StreamRounds), and Budget its time by Clock (default
	// StreamBudget); a round also ends at a batch that was not full or
	// that failed.
	Rounds int
	Budget time.Duration
	Log    *slog.Logger
}

// RunOnce delivers every endpoint's due messages, batch after batch, and
// returns how many it delivered. Failed deliveries are recorded on their
// messages, not returned; the store's errors are.
func (s *Streamer) RunOnce(ctx context.Context) (int, error) {
	names := make([]string, 0, len(s.Endpoints))
	for name := range s.Endpoints {
		names = append(names, name)
	}
	slices.Sort(names)
	var wg sync.WaitGroup
	delivered := make([]int, len(names))
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			delivered[i], errs[i] = s.endpoint(ctx, name, s.Endpoints[name])
		}()
	}
	wg.Wait()
	n := 0
	for _, d := range delivered {
		n += d
	}
	return n, errors.Join(errs...)
}

// endpoint delivers one endpoint's due messages, batch after batch, until
// a batch is not full, fails, or Rounds were sent.
func (s *Streamer) endpoint(ctx context.Context, name string, c BatchCarrier) (int, error) {
	batch, rounds, budget := s.Batch, s.Rounds, s.Budget
	if batch <= 0 {
		batch = StreamBatch
	}
	if rounds <= 0 {
		rounds = StreamRounds
	}
	if budget <= 0 {
		budget = StreamBudget
	}
	end := s.Clock.Now().Add(budget)
	delivered := 0
	for i := 0; i < rounds && s.Clock.Now().Before(end); i++ {
		msgs, err := s.Store.ClaimEndpoint(ctx, name, s.Clock.Now(), Lease, batch)
		if err != nil || len(msgs) == 0 {
			return delivered, err
		}
		n, failed, err := s.send(ctx, name, c, msgs)
		delivered += n
		if err != nil || failed || len(msgs) < batch {
			return delivered, err
		}
	}
	return delivered, nil
}

// send hands one batch to the carrier and records its results in one
// transaction; failed reports whether any message is to be tried again.
func (s *Streamer) send(ctx context.Context, name string, c BatchCarrier, msgs []store.OutboxMessage) (delivered int, failed bool, err error) {
	errs := c.DeliverBatch(ctx, msgs)
	if got := len(errs); got != len(msgs) {
		// A carrier that does not say what became of each message
		// delivered none that we know of.
		errs = make([]error, len(msgs))
		for i := range errs {
			errs[i] = fmt.Errorf("siem endpoint %q: the carrier reported on %d of %d messages", name, got, len(msgs))
		}
	}
	at := s.Clock.Now()
	results := make([]store.OutboxResult, len(msgs))
	// The unsent are due again with the latest retry of the batch, so
	// that they keep coming after the messages that stopped it.
	release := at
	for i, m := range msgs {
		if errors.Is(errs[i], ErrNotSent) {
			continue
		}
		results[i] = result(m, errs[i], at)
		if results[i].Delivered {
			delivered++
			continue
		}
		failed = failed || !results[i].RetryAt.IsZero()
		if results[i].RetryAt.After(release) {
			release = results[i].RetryAt
		}
	}
	for i, m := range msgs {
		if errors.Is(errs[i], ErrNotSent) {
			results[i] = store.OutboxResult{ID: m.ID, At: at, RetryAt: release, Unsent: true}
			failed = true
		}
	}
	if bad := len(msgs) - delivered; bad > 0 {
		first := errs[slices.IndexFunc(errs, func(e error) bool { return e != nil })]
		s.log().Warn("siem delivery failed", "to", name, "messages", bad, "of", len(msgs),
			"attempt", msgs[0].Attempts+1, "err", first, "detail", egress.Detail(first))
	}
	// The batch went out: record it even if ctx ended meanwhile (the
	// node shutting down), or it is all sent again after Lease.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancel()
	return delivered, failed, s.Store.FinishOutbox(rctx, results...)
}

func (s *Streamer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
