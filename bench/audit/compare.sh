#!/bin/sh
# compare.sh OLD NEW DB: runs `audit verify`, `audit export` (jsonl, csv)
# and `audit verify --file` with two deadbolt binaries, alternately
# (ROUNDS times, default 2), against the same SQLite file, and prints wall
# seconds, CPU seconds (user+sys), events/s, events per CPU-second and the
# cores used (CPU/wall) of each run. Seed DB once with the bench:
#   AUDIT_CACHE=/tmp/audit-1m.db go test -run '^$' -bench Verify -benchtime 1x ./bench/audit
set -eu
old=$1 new=$2 db=$3
events=$(sqlite3 "$db" 'SELECT count(*) FROM audit_log')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DEADBOLT_DB="sqlite:$db" "$new" audit export --output "$tmp/export.jsonl" >/dev/null
echo "events $events; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-14s %8s %8s %10s %12s %5s\n' bin command wall cpu events/s events/cpu-s cores
run() {
	label=$1 bin=$2 name=$3
	shift 3
	DEADBOLT_DB="sqlite:$db" /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$bin" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	read -r wall user sys <"$tmp/t"
	awk -v l="$label" -v c="$name" -v w="$wall" -v u="$user" -v s="$sys" -v n="$events" \
		'BEGIN { printf "%-5s %-14s %8.2f %8.2f %10.0f %12.0f %5.2f\n", l, c, w, u+s, n/w, n/(u+s), (u+s)/w }'
}
for round in $(seq "${ROUNDS:-2}"); do
	for pair in "old $old" "new $new"; do
		set -- $pair
		run "$1" "$2" verify audit verify
		run "$1" "$2" export-jsonl audit export --format jsonl
		run "$1" "$2" export-csv audit export --format csv
		run "$1" "$2" verify-file audit verify --file "$tmp/export.jsonl"
	done
done
