// Package wave1 checks that a database written by deadbolt's wave-1 code
// (commit c9bfba5, main before issue 9) comes back record for record once
// today's code has opened and migrated it (ory/kratos keeps seed data per
// schema version the same way).
//
// Each backend keeps a fixture and its golden file in its testdata:
// store/sqlite/testdata/wave1.db and store/postgres/testdata/wave1.sql.gz
// (a plain dump, gzipped), each with wave1.json. make.sh made them: it
// builds the wave-1 binary, drives it through its CLI and HTTP API
// (tenants, applications, HS256, ES256, expiring and revoked keys, members,
// accounts, unlocks for a time and once, a member lockdown, lock
// everything, webhooks and their outbox, lock checks on every path), then
// dumps every record with the wave-1 store API itself (dump.go.txt), so
// the golden file is the old code's view, not today's. master.key is the
// fixtures' test-only master key.
//
// Check reads through the store API only, so a record that today's code
// keeps elsewhere (the check log in a file of its own) must still be found.
package wave1
