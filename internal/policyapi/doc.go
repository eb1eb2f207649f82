// Package policyapi serves Next Level3's policy endpoints on deadbolt's
// policies: GET /nl3/api/v1/sdk/policies lists the tenant's policies with
// NL3's field names first (activeDate, alertAction) and then deadbolt's
// own, and POST /nl3/api/v1/sdk/policies/{id}/execute runs an alert
// policy, as an EDR or SIEM tool does on an incident.
//
// Both take a tenant API token (deadbolt api-token create) in
// x-nl3-api-token, x-nl3-server-api-token or Authorization: Bearer; the
// token's tenant is the only one they see. Listing needs the scope
// policies:read, executing policies:write. The domain work is package
// admin's (Policies, ExecutePolicy), shared with the CLI.
package policyapi
