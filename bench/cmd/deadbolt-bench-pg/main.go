package main

import "github.com/deadbolt-dev/deadbolt/bench"

func main() { bench.Main("deadbolt-bench-pg", runCmd) }
