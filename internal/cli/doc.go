// Package cli is the deadbolt command line (cobra), one file per noun. The
// commands turn flags into calls on the domain packages and print the
// result, as text for people or, with --json, as one JSON object on stdout
// for scripts. They hold no logic of their own.
//
// Exit codes are part of the contract (design §8): 0 ok, 1 usage error or
// not found (or invalid input), 2 internal error; `check` exits 0 unlocked,
// 1 locked, 2 could not decide — its own usage errors exit 2, never 1. An
// unknown subcommand is a usage error (cobra would print help and exit 0),
// and duration flags refuse zero and negative values.
//
// Only serve, migrate and tenant create (and restore, which fills it) may
// create a database that does not exist yet, and they say where; every
// other command answers "no deadbolt database at PATH".
package cli
