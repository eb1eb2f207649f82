package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
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
	T string     `json:"t,omitempty"` // tenant ID
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
		w[i] = wireEvent{K: e.Kind, A: e.AppID, I: e.Issuer, N: e.Account, M: e.MemberID, T: e.TenantID}
	}
	b, err := json.Marshal(w)
	return string(b), err
}

// notice is one notification as a listener reads it.
type notice struct {
	// schema is the schema of the database the announcing transaction
	// wrote ("" from a deadbolt that did not say): stores in other
	// schemas of the same database hear the same channel.
	schema string
	// seq numbers the announcing transaction (change_seq) on the last of
	// its notifications, and is 0 on the others and on announcements that
	// nobody waits for.
	seq    int64
	events []cache.Event
}

// envelope is a notification's payload, built by announce in SQL around a
// JSON array of wireEvents.
type envelope struct {
	V int             `json:"v"`
	D string          `json:"d"`
	S int64           `json:"s"`
	E json.RawMessage `json:"e"`
}

// decodeNotice reads a payload: an envelope, or the bare event array that
// deadbolt sent before change_seq existed. Events it cannot read stand for
// cache.All, so that a change is never missed.
func decodeNotice(payload string) notice {
	var env envelope
	if strings.HasPrefix(payload, "{") {
		if err := json.Unmarshal([]byte(payload), &env); err != nil || env.V != 2 {
			return notice{events: []cache.Event{{Kind: cache.All}}}
		}
		return notice{schema: env.D, seq: env.S, events: decodeEvents(string(env.E))}
	}
	return notice{events: decodeEvents(payload)}
}

// decodeEvents reads an event array; one it cannot read stands for
// cache.All.
func decodeEvents(payload string) []cache.Event {
	var w []wireEvent
	if err := json.Unmarshal([]byte(payload), &w); err != nil || len(w) == 0 {
		return []cache.Event{{Kind: cache.All}}
	}
	events := make([]cache.Event, len(w))
	for i, e := range w {
		if e.K > cache.Policies {
			return []cache.Event{{Kind: cache.All}}
		}
		events[i] = cache.Event{Kind: e.K, AppID: e.A, Issuer: e.I, Account: e.N, MemberID: e.M, TenantID: e.T}
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

// announce sends the transaction's changes with pg_notify and, when
// Update will wait for the nodes to hear them (t.acked), numbers them: it
// takes the next change_seq, whose row stays locked until the transaction
// ends, so numbers follow commit order. PostgreSQL delivers notifications
// only when, and only if, the transaction commits, in commit order, so
// listeners hear of exactly the committed changes, in the order of their
// numbers. Only the last notification of a transaction carries its
// number: a listener that has applied it has applied all of them. It
// returns the number (0 when there is none). Changes nobody waits for (a
// consumed once grant, on the lock check's path) take no number, and so
// never queue behind other writers for change_seq's row.
func (t *txn) announce(ctx context.Context) (int64, error) {
	events := t.changes()
	if len(events) == 0 {
		return 0, nil
	}
	rows, err := t.tx.Query(ctx, `WITH s AS (UPDATE change_seq SET seq = seq + 1 WHERE id = 1 AND $3 RETURNING seq)
		SELECT coalesce(s.seq, 0), pg_notify($1, json_build_object('v', 2, 'd', current_schema(),
			's', CASE WHEN p.n = cardinality($2::text[]) THEN coalesce(s.seq, 0) ELSE 0 END, 'e', p.body::json)::text)::text
		FROM unnest($2::text[]) WITH ORDINALITY AS p(body, n) LEFT JOIN s ON true`, Channel, payloads(events), t.acked)
	if err != nil {
		return 0, wrap("announce changes", err)
	}
	var seq int64
	for rows.Next() {
		var sent string
		if err := rows.Scan(&seq, &sent); err != nil {
			rows.Close()
			return 0, wrap("announce changes", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, wrap("announce changes", err)
	}
	if t.acked && seq == 0 {
		return 0, wrap("announce changes", errors.New("change_seq has no row: the schema is damaged"))
	}
	return seq, nil
}

// Follow implements cache.Feed. It tells h of this process's own commits
// as soon as Update returns, and of every process's commits through a
// dedicated connection that LISTENs on Channel and holds this node's lease
// (lease.go): it calls h.Lease before h.Subscribed and at every renewal,
// and acknowledges every numbered notification once h has applied it.
// When that connection breaks, a renewal fails or comes too late, or the
// database let the lease lapse, it calls h.Lost, connects again (backing
// off up to 5 seconds between tries), registers, LISTENs and calls
// h.Subscribed; notifications sent while it was away are lost, which is
// why h must drop everything on Lost.
func (s *Store) Follow(ctx context.Context, h cache.Handler) error {
	stop := s.follow(h)
	defer stop()
	node := newNodeID()
	defer s.retire(ctx, h, node)
	wait := 50 * time.Millisecond
	for {
		subscribed := false
		err := s.listenOnce(ctx, h, node, func() {
			subscribed = true
			wait = 50 * time.Millisecond
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if subscribed || wait == 50*time.Millisecond {
			h.Lost(err)
		}
		if subscribed {
			// The cache answers from the store now: writers need not
			// wait for this node until it registers again.
			s.unregister(ctx, node)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenOnce connects, LISTENs, registers node's lease and delivers
// notifications until the connection fails, the lease cannot be kept, or
// ctx ends.
func (s *Store) listenOnce(ctx context.Context, h cache.Handler, node string, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.listen)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	l, err := s.register(ctx, conn, node)
	if err != nil {
		return err
	}
	h.Lease(l.until)
	listening()
	h.Subscribed()
	for {
		if wait := time.Until(l.renewAt); wait > 0 {
			wctx, cancel := context.WithTimeout(ctx, wait)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			switch {
			case err == nil:
				if err := l.deliver(ctx, conn, h, n.Payload); err != nil {
					return err
				}
				continue
			case ctx.Err() != nil:
				return ctx.Err()
			case !errors.Is(err, context.DeadlineExceeded):
				return err
			}
		}
		// Quiet for a while: renewing the lease also proves the
		// connection still works.
		err := l.renew(ctx, conn)
		if errors.Is(err, errLeaseLapsed) && !conn.IsClosed() {
			// The connection works; only the lease is gone (the
			// process was stopped or starved past it). Start over on
			// this connection, which still LISTENs: a stopped node
			// that woke to a backlog of checks answers them from
			// memory again after two round trips, not a reconnection.
			h.Lost(err)
			if l, err = s.register(ctx, conn, node); err != nil {
				return err
			}
			h.Lease(l.until)
			h.Subscribed()
			continue
		}
		if err != nil {
			return err
		}
		h.Lease(l.until)
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
