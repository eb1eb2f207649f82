// Package metrics defines deadbolt's Prometheus metrics on a registry of its
// own (no global state), so tests and several servers in one process do not
// collide.
package metrics
