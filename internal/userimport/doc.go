// Package userimport serves Next Level3's POST /nl3/api/v1/sdk/importUsers:
// a JSON array of {first_name, last_name, email, domain, phone,
// userAccountId} rows, each enrolling account userAccountId, owned by the
// member with that email (made when new, named first and last name), at
// the tenant's application whose issuer's host is domain. phone is read
// and not kept.
//
// It takes a tenant API token with the scope users:import. Rows are
// checked one by one (package csvimport's rules); each application's good
// rows are then imported by csvimport.Apply in one transaction with one
// audit event (actor api-token:ID), so an account already enrolled is
// reported as already_enrolled, never as an error, and sending a batch
// again changes nothing. A batch of at most SyncRows rows is answered 200
// with a result per row; a larger one is queued and answered 202 with the
// job's ID and where to read its results (GET …/importUsers/{id}, which
// ?wait=SECONDS holds open until the job ends). A batch over MaxRows is
// refused (413 too_many_rows). A tenant runs one queued job at a time: a
// large batch sent while its job runs is refused (429 busy, Retry-After).
// Jobs live in the memory of the node that took them for JobKeep, and at
// most Handler.KeepJobs of them: past it the job that finished first is
// forgotten first.
package userimport
