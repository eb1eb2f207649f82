// Package valid holds the rules the SQL backends check in Go before they
// write, so that a bad record gets an error naming its field rather than a
// constraint's name, and so that SQLite and PostgreSQL refuse exactly the
// same records with the same words. Each schema repeats the important rules
// as a second line of defence.
//
// Every error wraps store.ErrInvalid and names the broken rule ("tenant id is
// empty"); the backend adds itself and the operation ("sqlite: create
// tenant: invalid: tenant id is empty"). Only the first broken rule of a
// record is reported.
//
// Both backends store times as int64 Unix nanoseconds (INTEGER in SQLite,
// BIGINT in PostgreSQL), which is where the storable time range comes from,
// so that encoding (Nanos, FromNanos) lives here with the rule.
package valid
