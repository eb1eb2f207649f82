// Package exposure measures `deadbolt report exposure` over 30 days on a
// large tenant (issue 12): EXPOSURE_ACCOUNTS accounts (default 10 000),
// EXPOSURE_CHECKS check records (default 1 000 000) and a realistic audit
// log (every account enrolled, its owners created, 5 000 unlocks, policies
// changed mid-period, a member removed, and EXPOSURE_AUDIT_NOISE further
// records, default 100 000). Run by hand:
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/exposure
//
// It seeds one tenant once per run into a temporary SQLite file through the
// real services (enrolment, unlocks, policies, removal) and the store's
// AppendChecks, then runs the CLI in-process against it, and reports the
// wall time and the records read per second (check records plus audit
// records).
package exposure
