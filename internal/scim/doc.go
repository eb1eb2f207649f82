// Package scim serves SCIM 2.0 (RFC 7643, 7644) for identity providers
// that provision a tenant's members and groups: Microsoft Entra ID and
// Okta. It is served under /scim/v2 and, where Next Level3's customers
// already point their providers, /nl3/api/scim/v2, with the discovery
// endpoints (ServiceProviderConfig, ResourceTypes, Schemas). The protocol
// (routing, schema validation, filters, PATCH paths, the list and error
// shapes) is github.com/elimity-com/scim's; this package maps it onto
// deadbolt's domain services.
//
// Every request carries an API token with the scope scim (admin tokens
// hold every scope) as Authorization: Bearer, checked, rate-limited and
// recorded as /api/v1 does it (Authenticator). The token's tenant is the
// tenant: a member or group of another tenant is not found. Every change
// is audited with the token as the actor ("api-token:ID").
//
// A User is a member:
//   - userName is the member's email, and must be one; deadbolt does not
//     change a member's email, so a PATCH or PUT that changes it is
//     refused (mutability). emails are answered with that one address and
//     otherwise not kept.
//   - displayName, or name (formatted, or givenName and familyName), is
//     the member's one name; a change to givenName or familyName alone
//     replaces the first words or the last word of it.
//   - externalId is kept (store.ExternalID).
//   - active=false sets the member's lockdown (access.LockDownMember:
//     every account they own is hard-locked and their open grants are
//     revoked); active=true lifts it, opening nothing.
//   - The extension ApplicationSchema (Next Level3's name for it) with
//     application (the application's issuer host, issuer or ID) and
//     accountId (default: the userName) enrols that account at that
//     application owned by the member, or links it to them if it is
//     enrolled without an owner (access.LinkTx). It is write-only: it is
//     not answered, and sending it again changes nothing. A member who
//     registered themselves and never confirmed their email gets nothing
//     by it (admin.Bindable: 409).
//   - DELETE removes the member (admin.RemoveMember, held to a token's
//     rules: never an owner). Their accounts stay enrolled, without an
//     owner, and therefore locked: their open grants are revoked.
//   - A token is held to an admin's rules (admin.By.MayChange): it does
//     not rename an owner, lock one down or lift their lockdown (403,
//     checked before anything changes).
//   - A member who registered themselves and never confirmed their email
//     (not admin.Bindable) is not managed: userName eq finds them, but a
//     POST for their email (409 uniqueness), a PUT or PATCH of them (409)
//     and a group adding them (400) are refused, saying to confirm or
//     remove that member.
//   - Other attributes (the enterprise extension included) are accepted
//     and not kept.
//
// A Group is a group: displayName is its name, externalId is kept, and
// members are members of the tenant by ID. PATCH adds and removes members
// as Okta (members[value eq "ID"]) and Entra ID (a value list) send it.
// DELETE deletes the group with the policy assignments to it.
//
// A change is not one transaction: a member's externalId and enrolment
// are written together, then its name, then its lockdown, each by the
// service that owns it; a group's name, externalId and each membership
// likewise. A failure part way leaves the earlier parts done; the
// identity provider sends the change again.
package scim
