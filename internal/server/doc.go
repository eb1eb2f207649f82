// Package server wires a deadbolt node together: the check service, its
// check log, the API routes, health and metrics endpoints, and an
// http.Server that drains in-flight checks on shutdown before the API
// tokens' last use is written (awaited, within apitoken.FinalFlush) and the
// check log is flushed and closed. Background jobs run under leases
// (package jobs), importUsers jobs among them: a node resumes the ones
// whose node stopped (package userimport).
//
// The caller may bind the listeners first (Deps.Listener,
// Deps.MetricsListener), so that a taken port fails before anything is
// printed or stored. /metrics moves to an address of its own when
// Config.MetricsAddr is set; Config.TLS serves HTTPS.
//
// /readyz is honest: 503 with the reason when the store does not answer,
// when the check log's last commit failed (for a short retry window, or
// until a commit succeeds), or when the data directory's filesystem is
// read-only or nearly full (package disk). On a loopback public URL, tokens
// for localhost and for the loopback IP both verify: the portal lives at
// localhost, and both names are this server.
package server
