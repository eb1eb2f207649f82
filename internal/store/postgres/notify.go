package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
)

// Channel is the LISTEN/NOTIFY channel on which every committed change to
// data the lock check caches is announced.
const Channel = "deadbolt_changes"

// maxPayload keeps each notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// wireEvent is a cache.Event on the wire; a payload is a JSON array of
// them.
type wireEvent struct {
	K cache.Kind `json:"k"`
	A string     `json:"a,omitempty"` // application ID
	I string     `json:"i,omitempty"` // issuer
	N string     `json:"n,omitempty"` // account name
	M string     `json:"m,omitempty"` // member ID
}

// allPayload announces cache.All.
var allPayload = mustEncode([]cache.Event{{Kind: cache.All}})

func mustEncode(events []cache.Event) string {
	p, err := encodeEvents(events)
	if err != nil {
		panic(err)
	}
	return p
}

func encodeEvents(events []cache.Event) (string, error) {
	w := make([]wireEvent, len(events))
	for i, e := range events {
		w[i] = wireEvent{K: e.Kind, A: e.AppID, I: e.Issuer, N: e.Account, M: e.MemberID}
	}
	b, err := json.Marshal(w)
	return string(b), err
}

// decodeEvents reads a payload; one it cannot read stands for cache.All,
// so that a change is never missed.
func decodeEvents(payload string) []cache.Event {
	var w []wireEvent
	if err := json.Unmarshal([]byte(payload), &w); err != nil || len(w) == 0 {
		return []cache.Event{{Kind: cache.All}}
	}
	events := make([]cache.Event, len(w))
	for i, e := range w {
		if e.K > cache.Member {
			return []cache.Event{{Kind: cache.All}}
		}
		events[i] = cache.Event{Kind: e.K, AppID: e.A, Issuer: e.I, Account: e.N, MemberID: e.M}
	}
	return events
}

// payloads splits events into notification payloads of at most
// maxPayload bytes; an event too big for one on its own (a huge account
// name) becomes cache.All.
func payloads(events []cache.Event) []string {
	var out []string
	var batch []cache.Event
	size := 2
	flush := func() {
		if len(batch) > 0 {
			out = append(out, mustEncode(batch))
			batch, size = nil, 2
		}
	}
	for _, e := range events {
		one := mustEncode([]cache.Event{e})
		if len(one) > maxPayload {
			return []string{allPayload}
		}
		if size+len(one) > maxPayload {
			flush()
		}
		batch = append(batch, e)
		size += len(one) // the brackets of one pay for the comma
	}
	flush()
	return out
}

// announce sends the transaction's changes with pg_notify. PostgreSQL
// delivers notifications only when, and only if, the transaction commits,
// in commit order, so listeners hear of exactly the committed changes.
func (t *txn) announce(ctx context.Context) error {
	events := t.changes()
	if len(events) == 0 {
		return nil
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, Channel, payloads(events)); err != nil {
		return wrap("announce changes", err)
	}
	return nil
}

// Follow implements cache.Feed. It tells h of this process's own commits
// as soon as Update returns, and of every process's commits through a
// dedicated connection that LISTENs on Channel. When that connection
// breaks, or stops answering pings (Options.ListenPing), it calls h.Lost,
// connects again (backing off up to 5 seconds between tries), LISTENs and
// calls h.Subscribed; notifications sent while it was away are lost, which
// is why h must drop everything on Lost.
func (s *Store) Follow(ctx context.Context, h cache.Handler) error {
	stop := s.follow(h)
	defer stop()
	wait := 50 * time.Millisecond
	for {
		subscribed := false
		err := s.listenOnce(ctx, h, func() {
			subscribed = true
			wait = 50 * time.Millisecond
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if subscribed || wait == 50*time.Millisecond {
			h.Lost(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenOnce connects, LISTENs and delivers notifications until the
// connection fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, h cache.Handler, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.listen)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	listening()
	h.Subscribed()
	for {
		wctx, cancel := context.WithTimeout(ctx, s.opts.ListenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			h.Changed(decodeEvents(n.Payload))
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		// Quiet for a while: make sure the connection still works.
		pctx, cancel := context.WithTimeout(ctx, s.opts.ListenPing)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// AnnounceAll tells every node following the database to drop its whole
// cache when tx commits. It is for bulk writes made below the store
// (deadbolt copy), which announce nothing themselves.
func AnnounceAll(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, allPayload); err != nil {
		return wrap("announce changes", err)
	}
	return nil
}
