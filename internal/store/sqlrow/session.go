package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The portal's sessions and the nonces of its one-time links: the writes
// both backends share, each passing its own SQL text.

// CreateSession stores s with insert, an INSERT of SessionCols in order. A
// session never seen yet is seen when it is created.
func (d *Dialect) CreateSession(ctx context.Context, db DB, insert string, s store.Session) error {
	created, seen := valid.Nanos(s.CreatedAt), valid.Nanos(s.SeenAt)
	if seen == 0 {
		seen = created
	}
	return d.Put(ctx, db, "create session", valid.Session(s), valid.Conflict("sessions", nil), insert,
		s.ID, s.TenantID, s.MemberID, created, seen, valid.Nanos(s.ExpiresAt), s.IP, s.UserAgent)
}

// DeleteSessions deletes with del, whose arguments are now and idleSince,
// the sessions expired at now or not seen since idleSince.
func (d *Dialect) DeleteSessions(ctx context.Context, db DB, del string, now, idleSince time.Time) (int, error) {
	const op = "delete sessions"
	n, idle, err := valid.SessionSweep(now, idleSince)
	if err != nil {
		return 0, d.Wrap(op, err)
	}
	return Changed(db.Exec(ctx, op, del, n, idle))
}

// UseNonce records key, which expires at expires, with insert, an INSERT
// of (key, expires_at) that does nothing for a key recorded already: the
// primary key makes the insert the whole test. It reports whether key was
// new.
func (d *Dialect) UseNonce(ctx context.Context, db DB, insert, key string, expires, at time.Time) (bool, error) {
	const op = "use nonce"
	exp, err := valid.Nonce(key, expires, at)
	if err != nil {
		return false, d.Wrap(op, err)
	}
	rows, err := db.Exec(ctx, op, insert, key, exp)
	return rows == 1, err
}

// PurgeNonces deletes with del, whose argument is now, the nonces expired
// at now.
func (d *Dialect) PurgeNonces(ctx context.Context, db DB, del string, now time.Time) (int, error) {
	const op = "purge nonces"
	n, err := valid.Now(now)
	if err != nil {
		return 0, d.Wrap(op, err)
	}
	return Changed(db.Exec(ctx, op, del, n))
}
