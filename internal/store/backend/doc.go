// Package backend opens the store a database URL names: "sqlite:PATH" for
// the embedded default, "postgres://…" for PostgreSQL. It is the only place
// that knows every backend, so the rest of deadbolt depends on store alone.
package backend
