package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// A node's lease (doc.go, "Coherence"). The node's listener holds a row of
// cache_nodes: heard_seq, the highest change number its cache has applied,
// and lease_until, on the database's clock. Writers wait for every row
// whose lease has not run out. The node keeps its own end of the lease on
// its monotonic clock, measured from when it sent the renewal, and shorter
// by a sixth: the database set lease_until from its now(), which came
// later, so the node stops answering from memory before any writer stops
// waiting for it, whatever either wall clock says.

// NodeTables are the tables that hold the running nodes' leases rather
// than data (migration 0009): copies leave them out.
var NodeTables = []string{"cache_nodes", "change_seq"}

// errLeaseLapsed ends a subscription whose lease could not be kept.
var errLeaseLapsed = errors.New("postgres: the cache's lease lapsed before it was renewed")

// lease is a registered node's side of its lease, kept by its listener.
type lease struct {
	node   string
	schema string // current_schema() of the listener: whose changes to hear
	term   time.Duration
	every  time.Duration // renewal period
	heard  int64         // highest change number applied
	acked  int64         // highest change number written to heard_seq
	// until is when this node stops answering from memory unless renewed;
	// renewAt is when the listener renews.
	until, renewAt time.Time
}

// localTerm is how long after sending a renewal the node trusts it: a
// sixth less than the database grants.
func localTerm(term time.Duration) time.Duration { return term - term/6 }

// newNodeID names a subscription in cache_nodes: host, process and a
// random part, so an operator can tell who holds writers up.
func newNodeID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// register writes node's row on the listener's connection, after LISTEN:
// heard_seq starts at the last number committed, since the cache starts
// empty and reads every earlier change from the database. Rows whose lease
// ended long ago (nodes that died) are removed on the way.
func (s *Store) register(ctx context.Context, conn *pgx.Conn, node string) (*lease, error) {
	l := &lease{node: node, term: s.opts.Lease, every: min(s.opts.Lease/3, s.opts.ListenPing)}
	sent := time.Now()
	rctx, cancel := context.WithTimeout(ctx, l.term)
	defer cancel()
	err := conn.QueryRow(rctx, `WITH gone AS (DELETE FROM cache_nodes WHERE lease_until < now() - interval '1 hour' AND node_id <> $1)
		INSERT INTO cache_nodes (node_id, heard_seq, lease_until)
		VALUES ($1, (SELECT seq FROM change_seq WHERE id = 1), now() + $2 * interval '1 microsecond')
		ON CONFLICT (node_id) DO UPDATE SET heard_seq = excluded.heard_seq, lease_until = excluded.lease_until
		RETURNING heard_seq, current_schema()`, node, l.term.Microseconds()).Scan(&l.heard, &l.schema)
	if err != nil {
		return nil, fmt.Errorf("postgres: register the cache's lease: %w", err)
	}
	l.acked = l.heard
	l.until, l.renewAt = sent.Add(localTerm(l.term)), sent.Add(l.every)
	return l, nil
}

// renew extends the lease, recording how far the node has heard on the
// way. It fails when the database let the lease run out (a writer may
// have stopped waiting for this node), and when the answer comes after
// the node's own end of the lease: a writer that read the old lease_until
// after it passed may not have seen this renewal yet.
func (l *lease) renew(ctx context.Context, conn *pgx.Conn) error {
	sent := time.Now()
	rctx, cancel := context.WithDeadline(ctx, l.until)
	defer cancel()
	tag, err := conn.Exec(rctx, `UPDATE cache_nodes SET lease_until = now() + $2 * interval '1 microsecond', heard_seq = greatest(heard_seq, $3)
		WHERE node_id = $1 AND lease_until > now()`, l.node, l.term.Microseconds(), l.heard)
	switch {
	case err != nil && rctx.Err() != nil && ctx.Err() == nil:
		return errLeaseLapsed
	case err != nil:
		return err
	case tag.RowsAffected() == 0, !time.Now().Before(l.until):
		return errLeaseLapsed
	}
	l.acked = l.heard
	l.until, l.renewAt = sent.Add(localTerm(l.term)), sent.Add(l.every)
	return nil
}

// deliver applies one notification to h, and any that arrived with it,
// then records the highest change number applied, so that writers waiting
// for it can return.
func (l *lease) deliver(ctx context.Context, conn *pgx.Conn, h cache.Handler, payload string) error {
	l.apply(h, payload)
	// Notifications that arrived during the last statement wait in the
	// connection's queue; take them without waiting.
	done, cancel := context.WithCancel(ctx)
	cancel()
	for {
		n, err := conn.WaitForNotification(done)
		if err != nil || n == nil {
			break
		}
		l.apply(h, n.Payload)
	}
	if l.heard == l.acked {
		return nil
	}
	actx, cancel := context.WithDeadline(ctx, l.until)
	defer cancel()
	if _, err := conn.Exec(actx, `UPDATE cache_nodes SET heard_seq = $2 WHERE node_id = $1 AND heard_seq < $2`, l.node, l.heard); err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return errLeaseLapsed
		}
		return err
	}
	l.acked = l.heard
	return nil
}

// apply hands one notification's events to h, unless another schema's
// store sent it.
func (l *lease) apply(h cache.Handler, payload string) {
	n := decodeNotice(payload)
	if n.schema != "" && n.schema != l.schema {
		return
	}
	h.Changed(n.events)
	l.heard = max(l.heard, n.seq)
}

// unregister removes node's row after its cache stopped answering from
// memory, so that writers stop waiting for it at once rather than when
// its lease runs out. It is best effort: the lease runs out anyway.
func (s *Store) unregister(ctx context.Context, node string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_, _ = s.pool.Exec(dctx, `DELETE FROM cache_nodes WHERE node_id = $1`, node)
}

// retire ends node's lease when Follow returns: h stops answering from
// memory first, then the row goes.
func (s *Store) retire(ctx context.Context, h cache.Handler, node string) {
	h.Lease(time.Now())
	s.unregister(ctx, node)
}

// awaitHeard returns once every node holding a lease has heard change
// number seq, or its lease has run out — at the latest after about one
// lease, since a node that cannot renew lets its lease lapse. It polls,
// quickly at first: nodes usually answer within a few milliseconds.
// Should a node keep renewing without hearing (a fault, not a design
// case), it gives up after two leases with store.ErrUnavailable: the
// change is committed, but not acknowledged as seen everywhere.
func (s *Store) awaitHeard(ctx context.Context, seq int64) error {
	const op = "wait for every node to hear the change"
	ctx = context.WithoutCancel(ctx)
	giveUp := time.Now().Add(2 * s.opts.Lease)
	pause := 250 * time.Microsecond
	for {
		qctx, cancel := context.WithDeadline(ctx, giveUp)
		lagging, err := s.lagging(qctx, seq)
		cancel()
		if err == nil && len(lagging) == 0 {
			return nil
		}
		if !time.Now().Add(pause).Before(giveUp) {
			if err != nil {
				return wrap(op, err)
			}
			return fmt.Errorf("postgres: %s: %w: the change is committed, but node(s) %s have not confirmed it within %v",
				op, store.ErrUnavailable, strings.Join(lagging, ", "), 2*s.opts.Lease)
		}
		time.Sleep(pause)
		pause = min(2*pause, 8*time.Millisecond)
	}
}

// lagging names the nodes (a few) that hold a lease and have not heard
// change number seq.
func (s *Store) lagging(ctx context.Context, seq int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT node_id FROM cache_nodes WHERE heard_seq < $1 AND lease_until > now() ORDER BY node_id LIMIT 5`, seq)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
