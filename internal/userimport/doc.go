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
// refused (413 too_many_rows). A tenant has one open job at a time: a
// large batch sent while its job runs is refused (429 busy, Retry-After).
//
// Jobs are kept in the database (store.ImportJobs), so any node answers
// GET …/importUsers/{id} and a restart loses none. A job keeps the batch
// as it arrived (compressed) until it ends, and then its counts and its
// per-row results (compressed JSON) for JobKeep; a tenant keeps at most
// Handler.KeepJobs jobs, the one that ended first forgotten first. The
// node that takes a job claims it and runs it at once, renewing its claim
// (Handler.JobLease) while it runs; a node that cannot renew it stops the
// run when its claim lapses, before another node may claim the job, so
// that one job never runs on two nodes at once. A job whose node stopped
// (its claim lapsed) or that a node took while shutting down is claimed by
// ResumeOnce, which the server runs as a background job, and run again
// from its batch: rows the interrupted run had imported are then reported
// as already_enrolled. A job started MaxAttempts times without ending is
// marked failed with a reason that says so; nothing acknowledged with a
// 202 is dropped silently.
package userimport
