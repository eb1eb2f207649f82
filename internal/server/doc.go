// Package server wires a deadbolt node together: the check service, its
// check log, the API routes, health and metrics endpoints, and an
// http.Server that drains in-flight checks on shutdown before the check log
// is flushed and closed.
package server
