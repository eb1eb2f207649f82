package valid

import (
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The functions below check the arguments of one write or read of
// store.Tx or store.Store that takes no record, so that both backends
// refuse the same arguments with the same words. Each returns the times as
// stored.

// Stamp checks a write that stamps the record named by id (idField says
// what it is: "grant id") with the time at, which must be set.
func Stamp(idField, id, atField string, at time.Time) (int64, error) {
	var r Rules
	r.Need(idField, id)
	n := r.Time(atField, at, true)
	return n, r.Err()
}

// Due checks a read of at most limit records due by now.
func Due(now time.Time, limit int) (int64, error) {
	var r Rules
	r.Limit(limit)
	n := r.Time("now", now, true)
	return n, r.Err()
}

// Now checks a write that compares with now, which must be set.
func Now(now time.Time) (int64, error) {
	var r Rules
	n := r.Time("now", now, true)
	return n, r.Err()
}

// Decision checks DecideRequest's arguments.
func Decision(id, status, by string, at time.Time) (int64, error) {
	var r Rules
	r.Need("request id", id)
	r.Need("decided by", by)
	r.OneOf("status", status, store.RequestApproved, store.RequestDenied, store.RequestExpired)
	n := r.Time("decided at", at, true)
	return n, r.Err()
}

// RequestFilter checks RequestsOfTenant's arguments.
func RequestFilter(tenantID string, f store.RequestFilter, limit int) (int64, error) {
	var r Rules
	r.Need("tenant id", tenantID)
	r.Limit(limit)
	if f.State != "" {
		r.OneOf("state", f.State, store.RequestOpen, store.RequestApproved, store.RequestDenied, store.RequestExpired)
	}
	n := r.Time("now", f.Now, true)
	return n, r.Err()
}

// SessionSweep checks DeleteSessions's arguments.
func SessionSweep(now, idleSince time.Time) (n, idle int64, err error) {
	var r Rules
	n = r.Time("now", now, true)
	idle = r.Time("idle since", idleSince, false)
	return n, idle, r.Err()
}

// Nonce checks UseNonce's arguments and returns the expiry.
func Nonce(key string, expires, at time.Time) (int64, error) {
	var r Rules
	r.Need("key", key)
	exp := r.Time("expires", expires, true)
	r.Time("at", at, true)
	return exp, r.Err()
}

// Claim checks ClaimOutbox's arguments and returns now and the end of the
// lease.
func Claim(now time.Time, lease time.Duration, limit int) (n, until int64, err error) {
	var r Rules
	r.Limit(limit)
	r.Positive("lease", lease)
	n = r.Time("now", now, true)
	until = r.Time("lease end", now.Add(lease), true)
	return n, until, r.Err()
}

// Lease checks TryLease's arguments and returns now and the end of the
// lease.
func Lease(job, holder string, now time.Time, ttl time.Duration) (n, until int64, err error) {
	var r Rules
	r.Need("job", job)
	r.Need("holder", holder)
	r.Positive("ttl", ttl)
	n = r.Time("now", now, true)
	until = r.Time("until", now.Add(ttl), true)
	return n, until, r.Err()
}

// ImportJob checks a new job for CreateImportJob.
func ImportJob(j store.ImportJob, keep int) (created int64, err error) {
	var r Rules
	r.Need("job id", j.ID, "tenant id", j.TenantID, "token id", j.TokenID)
	if j.Total <= 0 {
		r.Fail("total must be positive")
	}
	if keep <= 0 {
		r.Fail("keep must be positive")
	}
	created = r.Time("created at", j.CreatedAt, true)
	return created, r.Err()
}

// ImportClaim checks ClaimImportJob's and RenewImportJob's arguments.
func ImportClaim(id, holder string, now, until time.Time) (n, u int64, err error) {
	var r Rules
	r.Need("job id", id, "holder", holder)
	n = r.Time("now", now, true)
	u = r.Time("lease end", until, true)
	if r.Err() == nil && u <= n {
		r.Fail("lease end is not after now")
	}
	return n, u, r.Err()
}

// ImportEnd checks FinishImportJob's job.
func ImportEnd(j store.ImportJob) (finished, expires int64, err error) {
	var r Rules
	r.Need("job id", j.ID, "holder", j.Holder)
	r.OneOf("state", j.State, store.ImportDone, store.ImportFailed)
	finished = r.Time("finished at", j.FinishedAt, true)
	expires = r.Time("expires at", j.ExpiresAt, true)
	return finished, expires, r.Err()
}
