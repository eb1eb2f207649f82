//go:build race

package ratelimit_test

// raceEnabled makes the million-key test flood once: the race detector
// makes each insert about thirty times slower.
const raceEnabled = true
