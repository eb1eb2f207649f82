// Package storetest is the conformance suite every store backend runs:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
//	}
//
// The suite knows only the store package. It checks the contract written on
// store.Reader, store.Tx and store.Store: every record round-trips exactly
// (UTC, nanoseconds), error kinds through errors.Is (never messages),
// uniqueness rules, grant replacement and revocation, exactly-once
// consumption of a once grant under real concurrency, all-or-nothing
// updates (on error and on panic), the group-committed check log, and the
// per-tenant audit chain under concurrent appends.
//
// Where the interface comments leave a detail open, the suite pins the
// answer so that every backend gives the same one:
//
//   - Create methods need the ID, the fields that name the record (tenant
//     and application names, issuer, email, account name), every foreign ID
//     and CreatedAt; a grant also needs Until and GrantedBy; a check record
//     needs ID, TenantID, AppID, Account, Status and At; an audit event needs
//     TenantID, Actor, Action and a time. Missing ones are store.ErrInvalid.
//   - A reference to a record that does not exist, or that belongs to
//     another tenant (an application's tenant, a key's or an account's
//     application, an account's owner, a grant's account, an audit event's
//     tenant), is store.ErrInvalid, and nothing is written.
//   - Methods that act on a record named by an argument (UpdateApplication,
//     UpdateMember, RevokeSigningKey, SetAccountOwner, RevokeCurrentGrant,
//     RevokeGrantsOfOwner) return store.ErrNotFound when it does not exist.
//     ConsumeGrant of an unknown grant reports false.
//   - A page size (limit) below 1 is store.ErrInvalid.
//   - Portal records: a passkey, session or invite needs its ID, TenantID,
//     MemberID and CreatedAt (a session and an invite also ExpiresAt, an
//     invite CreatedBy, a passkey a Credential); its member must exist in
//     its tenant. A session created without SeenAt is seen at CreatedAt,
//     and TouchSession never moves SeenAt back. An unlock request needs
//     ID, TenantID, AppID, AccountID, UpdatedAt and an ExpiresAt after it;
//     a refresh extends ExpiresAt to the new raise's. An origin or a
//     channel is a non-empty single-line value; channels are "email" or
//     "push", and nil (never chose) and empty (chose none) round-trip
//     apart.
//
// Run calls t.Parallel in its subtests, so open must be safe to call
// concurrently and must return an independent, empty, migrated store each
// time; it should register the store's Close with t.Cleanup.
//
// Beyond the suite, AuditTrail seeds a tenant's audit log for tests that
// page through one, and EmailVerifiedSeed with CheckEmailVerifiedBackfill
// is a data migration both backends' migration tests run, each at its own
// schema version.
package storetest
