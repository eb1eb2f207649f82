// Package lock makes the lock-check decision: given what is known about an
// account at one instant, is it locked, and why. It is pure logic with no
// I/O, so the order of the rules (design §3) is visible in one function and
// tested as a table.
//
// The caller gathers the Input, calls Decide, and then carries out what the
// Decision asks for: consume a once-grant atomically (and decide again
// without it if another check got there first) or raise an unlock request.
package lock
