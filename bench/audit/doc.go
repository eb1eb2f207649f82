// Package audit measures `deadbolt audit verify` and `deadbolt audit
// export` on a large audit trail (issue 12: events per second on 1 M
// events). Run by hand:
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/audit
//	AUDIT_EVENTS=100000 go test -run '^$' -bench . -benchtime 1x ./bench/audit
//
// It seeds one tenant's chain once per run into a temporary SQLite file,
// through the store's own AppendAudit in large transactions, then runs the
// CLI in-process against it and reports events/s. AUDIT_CACHE=FILE keeps
// the seeded file there and reuses it in later runs (seeding 1 M events
// takes a minute or more):
//
//	AUDIT_CACHE=/tmp/audit-1m.db go test -run '^$' -bench . -benchtime 1x ./bench/audit
package audit
