// Package clock provides the time source every deadbolt package takes as a
// dependency, so that tests can move time forward without sleeping.
package clock
