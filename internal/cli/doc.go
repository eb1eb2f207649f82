// Package cli is the deadbolt command line (cobra), one file per noun. The
// commands turn flags into calls on the domain packages and print the
// result, as text for people or, with --json, as one JSON object on stdout
// for scripts. They hold no logic of their own.
//
// Exit codes are part of the contract (design §8): 0 ok, 1 usage error or
// not found (or invalid input), 2 internal error; `check` exits 0 unlocked,
// 1 locked, 2 could not decide.
package cli
