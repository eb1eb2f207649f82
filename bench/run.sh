#!/bin/sh
# Builds deadbolt and deadbolt-bench from this checkout, runs the whole
# benchmark (about 4 minutes with the defaults) and writes
# bench/results/<UTC time>/report.md, results.json and the servers' logs
# and final /metrics. Extra arguments go to "deadbolt-bench run", e.g.
#   bench/run.sh -sizes 10000 -duration 5s
set -eu
cd "$(dirname "$0")/.."
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/deadbolt" ./cmd/deadbolt
go build -o "$bin/deadbolt-bench" ./bench/cmd/deadbolt-bench
mkdir -p "$out"
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- . 2>/dev/null || rev="$rev with uncommitted changes"
"$bin/deadbolt-bench" run -deadbolt "$bin/deadbolt" -out "$out" -label "deadbolt at commit $rev" "$@"
echo "results: $out/report.md" >&2
