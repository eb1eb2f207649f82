package sqlite

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// SCIM externalIds: provisioning records, read by no cached path. The
// statements are sqlrow's, shared with the other backend.

// ExternalIDs implements store.Reader.
func (r reads) ExternalIDs(ctx context.Context, tenantID, kind string) (map[string]string, error) {
	const op = "read external ids"
	st, err := dialect.ExternalIDs(kind)
	if err != nil {
		return nil, wrap(op, err)
	}
	pairs, err := list(ctx, r.querier(), op, sqlrow.ScanExternalID, st.List, tenantID)
	return sqlrow.ExternalIDMap(pairs), err
}

// PutExternalID implements store.Tx.
func (t *txn) PutExternalID(ctx context.Context, x store.ExternalID) error {
	const op = "put external id"
	st, err := dialect.ExternalIDs(x.Kind)
	if err == nil {
		err = valid.ExternalID(x)
	}
	if err != nil {
		return wrap(op, err)
	}
	if x.ExternalID == "" {
		_, err = t.exec(ctx, op, st.Delete, x.TenantID, x.ID)
		return err
	}
	n, err := t.exec(ctx, op, st.Put, x.ID, x.TenantID, x.ExternalID)
	if err == nil && n == 0 { // the ID's row is another tenant's
		err = invalid(op, "%s %s is not of tenant %s", x.Kind, x.ID, x.TenantID)
	}
	return err
}
