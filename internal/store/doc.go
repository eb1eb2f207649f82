// Package store defines deadbolt's storage contract: the domain records, the
// Store and Tx interfaces with the guarantees every backend must give, and the
// sentinel errors callers check with errors.Is.
//
// Backends live in subpackages (sqlite, postgres) and all pass the conformance
// suite in storetest. Nothing here knows SQL.
package store
