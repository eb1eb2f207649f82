// Package e2e holds end-to-end tests: they build the real deadbolt binary,
// start `deadbolt serve` as a separate process on a loopback port with a
// temporary data directory, and drive it only through the CLI and HTTP,
// the way an operator and an integration would.
package e2e
