package sqlrow

import (
	"errors"
	"fmt"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// ErrClosed is the cause of every error of a closed store.
var ErrClosed = errors.New("store is closed")

// kinds are the store's error kinds, which Wrap passes on as they are.
var kinds = []error{store.ErrNotFound, store.ErrConflict, store.ErrInvalid, store.ErrUnavailable, store.ErrSchemaTooNew, store.ErrSchemaBehind}

// Wrap turns err from operation op into one of the store's error kinds. An
// error already of a kind keeps it; the driver's "no rows" is
// store.ErrNotFound; any other error the database raised becomes a
// *store.Error whose Message is for people and whose Cause keeps the
// database's words for the log: "sqlite: create account: already exists:
// this application already has an account with this name: constraint
// failed: UNIQUE ...". A nil err stays nil, and so does an error Wrap
// already wrapped for op, so that a helper may wrap and its caller too.
func (d *Dialect) Wrap(op string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), d.Name+": "+op+": ") {
		return err
	}
	for _, kind := range kinds {
		if errors.Is(err, kind) {
			return fmt.Errorf("%s: %s: %w", d.Name, op, err)
		}
	}
	if errors.Is(err, d.NoRows) {
		return d.NotFound(op)
	}
	kind, msg := d.Classify(err)
	return &store.Error{Op: d.Name + ": " + op, Kind: kind, Message: msg, Cause: err}
}

// Invalid reports a record that breaks a rule checked in Go before writing.
func (d *Dialect) Invalid(op, format string, args ...any) error {
	return d.Fail(op, store.ErrInvalid, format, args...)
}

// Fail reports an error of the store's kind found by a method rather than
// raised by the database, described by format: "sqlite: delete member:
// already exists: member m1 still owns 2 accounts".
func (d *Dialect) Fail(op string, kind error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w: %s", d.Name, op, kind, fmt.Sprintf(format, args...))
}

// NotFound reports a record named by an argument that does not exist.
func (d *Dialect) NotFound(op string) error {
	return fmt.Errorf("%s: %s: %w", d.Name, op, store.ErrNotFound)
}

// Conflict reports a uniqueness or state rule broken, found without the
// database raising an error; what is for people.
func (d *Dialect) Conflict(op, what string) error {
	return &store.Error{Op: d.Name + ": " + op, Kind: store.ErrConflict, Message: what}
}

// Found wraps the outcome of a write of one named record: an error is
// wrapped, no row changed is store.ErrNotFound.
func (d *Dialect) Found(op string, n int64, err error) error {
	if err != nil {
		return d.Wrap(op, err)
	}
	if n == 0 {
		return d.NotFound(op)
	}
	return nil
}

// Limit refuses a page size below 1 as store.ErrInvalid.
func (d *Dialect) Limit(op string, limit int) error {
	return d.Wrap(op, valid.Limit(limit))
}
