// Package store defines deadbolt's storage contract: the domain records, the
// Store and Tx interfaces with the guarantees every backend must give, and the
// sentinel errors callers check with errors.Is.
//
// An error the database itself raised is a *Error: its Message is for people
// and names the field ("an application with this issuer already exists"),
// its Cause keeps the database's words for the log. Whatever shows errors to
// people (the CLI, the portal, the API) shows Message(err), never the
// database's text.
//
// Backends live in subpackages (sqlite, postgres) and all pass the conformance
// suite in storetest. What the two SQL backends share lives beside them: valid
// (the rules a record is checked against before it is written, and the
// int64-nanosecond encoding of times), sqlrow (column lists, scanning rows
// into records, wrapping driver errors into the kinds below) and migration
// (loading the numbered migration files). Nothing here knows SQL.
package store
