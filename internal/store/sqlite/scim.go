package sqlite

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// SCIM externalIds: provisioning records, read by no cached path. The
// statements and their logic are sqlrow's, shared with the other backend.

// ExternalIDs implements store.Reader.
func (r reads) ExternalIDs(ctx context.Context, tenantID, kind string) (map[string]string, error) {
	return dialect.ReadExternalIDs("read external ids", tenantID, kind, func(op, sql string, args ...any) ([][2]string, error) {
		return list(ctx, r.querier(), op, sqlrow.ScanExternalID, sql, args...)
	})
}

// PutExternalID implements store.Tx.
func (t *txn) PutExternalID(ctx context.Context, x store.ExternalID) error {
	return dialect.PutExternalID("put external id", x, func(op, sql string, args ...any) (int64, error) {
		return t.exec(ctx, op, sql, args...)
	})
}
