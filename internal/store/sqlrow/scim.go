package sqlrow

import (
	"context"
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The externalIds of SCIM (store.SCIMReader) live in one table per kind,
// each with a foreign key that deletes the row with its member or group.
// Both databases run the same statements.
var externalTables = map[string]struct{ table, id string }{
	store.ExternalMember: {"scim_members", "member_id"},
	store.ExternalGroup:  {"scim_groups", "group_id"},
}

// ExternalIDStatements are the statements of one kind's externalIds.
type ExternalIDStatements struct {
	// List reads (id, external_id) of a tenant: $1 is the tenant.
	List string
	// Put upserts (id, tenant, external id).
	Put string
	// Delete removes (tenant, id).
	Delete string
}

// ExternalIDs returns the statements of kind's externalIds, or an
// ErrInvalid error naming an unknown kind.
func (d *Dialect) ExternalIDs(kind string) (ExternalIDStatements, error) {
	t, ok := externalTables[kind]
	if !ok {
		return ExternalIDStatements{}, fmt.Errorf("%w: external id kind %q is neither %s nor %s", store.ErrInvalid, kind,
			store.ExternalMember, store.ExternalGroup)
	}
	return ExternalIDStatements{
		List: `SELECT ` + t.id + `, external_id FROM ` + t.table + ` WHERE tenant_id = $1`,
		Put: `INSERT INTO ` + t.table + ` (` + t.id + `, tenant_id, external_id) VALUES ($1, $2, $3)
		ON CONFLICT (` + t.id + `) DO UPDATE SET external_id = excluded.external_id WHERE ` + t.table + `.tenant_id = excluded.tenant_id`,
		Delete: `DELETE FROM ` + t.table + ` WHERE tenant_id = $1 AND ` + t.id + ` = $2`,
	}, nil
}

// ScanExternalID reads the (id, external_id) of ExternalIDStatements.List.
func ScanExternalID(r Row) (x [2]string, err error) {
	err = r.Scan(&x[0], &x[1])
	return x, err
}

// ExternalIDMap turns scanned pairs into the map store.SCIMReader returns.
func ExternalIDMap(pairs [][2]string) map[string]string {
	out := make(map[string]string, len(pairs))
	for _, x := range pairs {
		out[x[0]] = x[1]
	}
	return out
}

// ReadExternalIDs is store.SCIMReader.ExternalIDs over a backend's list
// query (query runs a statement and scans its rows with ScanExternalID).
func (d *Dialect) ReadExternalIDs(op, tenantID, kind string, query func(op, sql string, args ...any) ([][2]string, error)) (map[string]string, error) {
	st, err := d.ExternalIDs(kind)
	if err != nil {
		return nil, d.Wrap(op, err)
	}
	pairs, err := query(op, st.List, tenantID)
	return ExternalIDMap(pairs), err
}

// PutExternalID is store.SCIMTx.PutExternalID over a backend's exec
// (which runs a statement and reports how many rows it changed).
func (d *Dialect) PutExternalID(op string, x store.ExternalID, exec func(op, sql string, args ...any) (int64, error)) error {
	st, err := d.ExternalIDs(x.Kind)
	if err == nil {
		err = valid.ExternalID(x)
	}
	if err != nil {
		return d.Wrap(op, err)
	}
	if x.ExternalID == "" {
		_, err = exec(op, st.Delete, x.TenantID, x.ID)
		return err
	}
	n, err := exec(op, st.Put, x.ID, x.TenantID, x.ExternalID)
	if err == nil && n == 0 { // the ID's row is another tenant's
		err = d.Invalid(op, "%s %s is not of tenant %s", x.Kind, x.ID, x.TenantID)
	}
	return err
}

// ExternalIDs implements store.Reader.
func (r Reads) ExternalIDs(ctx context.Context, tenantID, kind string) (map[string]string, error) {
	return r.D.ReadExternalIDs("read external ids", tenantID, kind, func(op, sql string, args ...any) ([][2]string, error) {
		return List(ctx, r.D, r.Q, op, ScanExternalID, sql, args...)
	})
}

// PutExternalID implements store.Tx.
func (w Writes) PutExternalID(ctx context.Context, x store.ExternalID) error {
	return w.D.PutExternalID("put external id", x, func(op, sql string, args ...any) (int64, error) {
		return w.DB.Exec(ctx, op, sql, args...)
	})
}
