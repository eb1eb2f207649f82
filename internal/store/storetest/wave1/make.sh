#!/bin/sh
# make.sh [COMMIT] — rebuild the wave-1 upgrade fixtures from COMMIT
# (default c9bfba5, main before issue 9).
#
# It builds that commit's deadbolt binary in a temporary worktree and runs
# one scenario through its real CLI and HTTP API (tenants, applications,
# keys, members, accounts, grants, a webhook, lock checks), first on a new
# SQLite file, then on a new PostgreSQL database. For each it writes
#   the database:   internal/store/sqlite/testdata/wave1.db (a `deadbolt backup`)
#                   internal/store/postgres/testdata/wave1.sql.gz (pg_dump --no-owner --inserts,
#                   gzipped: the generated dump repeats itself, and is data, not code)
#   the golden:     .../testdata/wave1.json — every record as the COMMIT's
#                   own store API reads it (dump.go.txt run in that worktree)
# The master key is master.key beside this script (test-only).
#
# Needs go, openssl, curl, python3, and PostgreSQL tools reaching
# PGHOST/PGUSER (default 127.0.0.1, postgres).
set -eu

commit=${1:-c9bfba5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
export DEADBOLT_MASTER_KEY_FILE="$here/master.key"
unset DEADBOLT_DB DEADBOLT_MASTER_KEY DEADBOLT_CONFIG

work=$(mktemp -d)
pgdb=deadbolt_wave1_$$
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	dropdb --if-exists "$pgdb" 2>/dev/null || true
	git -C "$root" worktree remove --force "$work/src" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

git -C "$root" worktree add --detach "$work/src" "$commit" >/dev/null
(cd "$work/src" && go build -o "$work/deadbolt" ./cmd/deadbolt)
cp "$here/dump.go.txt" "$work/src/dump.go"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/es256.pem" 2>/dev/null
openssl pkey -in "$work/es256.pem" -pubout -out "$work/es256.pub.pem"

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# scenario DSN PORT: the same records on any backend.
scenario() {
	dsn=$1 port=$2
	url=http://127.0.0.1:$port
	db() { "$work/deadbolt" --db "$dsn" "$@"; }
	wiki=https://wiki.acme.test mail=https://mail.acme.test intra=https://intranet.globex.test

	db tenant create acme --owner owner@acme.test --owner-name "Olive Owner" >/dev/null
	db tenant create globex >/dev/null
	db app create --tenant acme --name Wiki --issuer $wiki --max-unlock 8760h >/dev/null
	db app create --tenant acme --name Mail --issuer $mail --unenrolled deny --fail-mode open --default-unlock 30m >/dev/null
	db app create --tenant globex --name Intranet --issuer $intra >/dev/null
	db app set --app $mail --origin https://mail.acme.test >/dev/null
	db app set --app $intra --server-names-accounts >/dev/null

	db key create --app $wiki --json >"$work/wiki-key.json"
	db key create --app $mail --expires-in 87600h >/dev/null
	db key create --app $mail --public-key "$work/es256.pub.pem" >/dev/null
	old=$(db key create --app $intra --json | json kid)
	db key revoke "$old" >/dev/null
	db key create --app $intra --json >"$work/intra-key.json"
	wikikey=$(json secret <"$work/wiki-key.json")
	intrakey=$(json secret <"$work/intra-key.json")

	db member invite --tenant acme --email admin@acme.test --role admin >/dev/null
	db member invite --tenant acme --email approver@acme.test --role approver >/dev/null
	db member invite --tenant acme --email mallory@acme.test --role member >/dev/null
	db member set-role --tenant acme --email approver@acme.test --role admin >/dev/null
	db member invite --tenant globex --email boss@globex.test --role owner >/dev/null

	db webhook create --tenant acme --url https://hooks.acme.test/deadbolt --events account.locked,account.unlocked >/dev/null
	db webhook create --tenant globex --url https://hooks.globex.test/in >/dev/null

	for a in alice bob carol dave; do
		db account enroll --app $wiki --account $a --owner $a@acme.test >/dev/null
	done
	db account enroll --app $wiki --account erin --owner mallory@acme.test >/dev/null
	db account enroll --app $mail --account alice --owner alice@acme.test >/dev/null
	printf 'account,owner,state\nfrank,,locked\ngrace,grace@globex.test,unlocked\nheidi,,locked\n' >"$work/import.csv"
	db import accounts --app $intra "$work/import.csv" >/dev/null

	db account unlock --app $wiki --account alice --for 8000h --reason "on call this year" >/dev/null
	db account unlock --app $wiki --account bob --for 1m >/dev/null
	db account lock --app $wiki --account bob >/dev/null
	db account unlock --app $wiki --account carol --once >/dev/null
	db account unlock --app $wiki --account dave --once >/dev/null
	db account unlock --app $mail --account alice >/dev/null
	db member lock --tenant acme --email mallory@acme.test >/dev/null
	db account lock-everything --tenant globex --owner grace@globex.test >/dev/null

	"$work/deadbolt" serve --db "$dsn" --addr 127.0.0.1:$port >"$work/serve.log" 2>&1 &
	server=$!
	i=0
	until curl -fs "$url/readyz" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$work/serve.log"; echo "serve did not get ready" >&2; exit 1; }
		sleep 0.1
	done
	check() { # ISSUER KEY ACCOUNT PATH BODY
		tok=$(db token mint --issuer "$1" --key "$2" --account "$3" --aud "$url")
		curl -fsS -X POST "$url$4" -H "x-nl3-authorization-token: $tok" -d "$5" >>"$work/checks.log"
		echo >>"$work/checks.log"
	}
	nl3=/nl3/api/v1/accountProtectionCheck
	check $wiki "$wikikey" alice $nl3 '{"userIP":"203.0.113.7","userDevice":"Firefox on Linux","userLocation":"Lyon, FR","integrationType":"nl3"}'
	check $wiki "$wikikey" bob $nl3 '{"userIP":"198.51.100.20"}'
	check $wiki "$wikikey" carol /v1/check '{"userIP":"2001:db8::1"}'
	check $wiki "$wikikey" carol /v1/check '{"userIP":"2001:db8::1"}'
	check $wiki "$wikikey" dave $nl3 '{"peek":true}'
	check $wiki "$wikikey" erin $nl3 '{}'
	check $wiki "$wikikey" zoe $nl3 '{"userDevice":"curl"}'
	check $intra "$intrakey" frank /nl3/api/v1/sdk/accountLockCheck '{"userAccountId":"frank"}'
	check $intra "$intrakey" grace /nl3/api/v1/sdk/accountLockCheck '{"userAccountId":"heidi"}'
	check $intra "$intrakey" nobody $nl3 '{"userLocation":"Zürich, CH"}'
	kill "$server"
	wait "$server" || true
	server=
	(cd "$work/src" && go run dump.go "$dsn") >"$work/golden.json"
	python3 - "$work/golden.json" "$wikikey" <<'EOF'
import json, sys
p, key = sys.argv[1], sys.argv[2]
g = json.load(open(p))
g["wikiSecret"] = key  # test-only: lets the test mint a token the upgraded key must verify
json.dump(g, open(p, "w"), indent=2, sort_keys=True)
open(p, "a").write("\n")
EOF
}

# SQLite: a fresh file, then one consistent copy of it (no -wal).
mkdir -p "$work/sqlite"
scenario "sqlite:$work/sqlite/deadbolt.db" 18431
rm -f "$root/internal/store/sqlite/testdata/wave1.db"
mkdir -p "$root/internal/store/sqlite/testdata"
"$work/deadbolt" --db "sqlite:$work/sqlite/deadbolt.db" backup "$root/internal/store/sqlite/testdata/wave1.db" >/dev/null
cp "$work/golden.json" "$root/internal/store/sqlite/testdata/wave1.json"
rm -f "$work/checks.log"

# PostgreSQL: a fresh database, then a plain dump of it.
createdb "$pgdb"
scenario "postgres://$PGUSER@$PGHOST:5432/$pgdb?sslmode=disable" 18432
# --inserts and no psql meta-commands (\restrict): plain SQL that the test
# runs through pgx as well as psql can.
pg_dump --no-owner --no-privileges --inserts "$pgdb" | grep -v '^\\' | gzip -n -9 >"$root/internal/store/postgres/testdata/wave1.sql.gz"
cp "$work/golden.json" "$root/internal/store/postgres/testdata/wave1.json"
echo "wave-1 fixtures written from $commit"
