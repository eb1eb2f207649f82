package store

import "context"

// The kinds of record a SCIM client (an identity provider provisioning
// members and groups, package scim) gives its own identifier to.
const (
	ExternalMember = "member"
	ExternalGroup  = "group"
)

// ExternalID is the identifier a SCIM client gave one of a tenant's
// members or groups (SCIM's externalId): Kind is ExternalMember or
// ExternalGroup, ID the member's or group's ID. A record has at most one;
// it goes when its member or group is deleted.
type ExternalID struct {
	TenantID   string
	Kind       string
	ID         string
	ExternalID string
}

// SCIMReader reads the externalIds of a tenant's members and groups. Not
// read by the lock check.
type SCIMReader interface {
	// ExternalIDs returns the externalIds of the tenant's members or
	// groups (kind), by member or group ID; an empty map when there are
	// none. An unknown kind is ErrInvalid.
	ExternalIDs(ctx context.Context, tenantID, kind string) (map[string]string, error)
}

// SCIMTx sets externalIds inside a transaction.
type SCIMTx interface {
	SCIMReader
	// PutExternalID gives the member or group its externalId, replacing
	// the one it had; an empty ExternalID removes it, and removing one the
	// record does not have changes nothing. A member or group that does
	// not exist in the tenant is ErrInvalid. Several records may share an
	// externalId.
	PutExternalID(ctx context.Context, x ExternalID) error
}
