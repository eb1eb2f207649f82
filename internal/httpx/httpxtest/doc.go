// Package httpxtest holds what the tests of deadbolt's HTTP handlers share
// when they talk to a real server over the loopback: sending a request and
// reading its whole answer.
package httpxtest
