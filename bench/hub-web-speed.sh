#!/usr/bin/env bash
# Issue 17's speed goals, on SQLite and (with MAMORI_BENCH_POSTGRES=postgres://…/postgres) on
# PostgreSQL: with 1,000 hospitals × 200 devices and the whole corpus loaded, a new advisory's
# findings are stored for every concerned organisation in under 2 s; a hospital's findings page
# answers in under 50 ms p99 under 64 concurrent users.
#
# Set-up: `mamori hub import` of csaf/icsma and osv (2,150 documents), then
# `mamori hub demo-hospitals` (1,000 hospitals × 200 devices, 15% of them products ICSMA
# advisories name). A "new advisory" is an ICSMA document given a new tracking id, taken in
# with `mamori hub import` — the whole process, as the intake page runs the same code; three
# of them, one after another. The page: `mamori serve`, hospital-0001 signed in, wrk with 64
# connections for 15 s, (a) back to back, (b) each user asking about once a second.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
corpus=${CORPUS:-../shared/corpora/hub}
cargo build -q --release -p mamori-cli
bin=$PWD/target/release/mamori
work=$(mktemp -d)
trap 'pkill -f "mamori serve --db .*mamori_hub_bench" 2>/dev/null || true; pkill -f "serve --db sqlite://$work" 2>/dev/null || true; rm -rf "$work"' EXIT
password=bench-passphrase-0042
port=8199

for n in 1 2 3; do
  python3 - "$corpus/csaf/icsma/2021/icsma-21-343-01.json" "$work/new-$n.json" "BENCH-NEW-$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["document"]["tracking"]["id"] = sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PY
done

run() {
  local name=$1 db=$2
  echo "== $name"
  "$bin" hub import --db "$db" "$corpus/csaf/icsma" "$corpus/osv" >/dev/null
  /usr/bin/time -f "set-up: %e s" sh -c "echo $password | '$bin' hub demo-hospitals --db '$db' --hospitals 1000 --devices 200"
  for n in 1 2 3; do
    /usr/bin/time -f "new advisory $n: %e s wall, %M KB peak" "$bin" hub import --db "$db" "$work/new-$n.json"
  done
  "$bin" serve --db "$db" --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  sleep 2
  curl -s -c "$work/jar" -b "$work/jar" "http://127.0.0.1:$port/hub/login" >"$work/login.html"
  token=$(grep -o 'name="_csrf" value="[^"]*"' "$work/login.html" | sed 's/.*value="//;s/"$//')
  curl -s -c "$work/jar" -b "$work/jar" -o /dev/null --data-urlencode login=hospital-0001 \
    --data-urlencode "password=$password" --data-urlencode "_csrf=$token" --data-urlencode next=/hub \
    "http://127.0.0.1:$port/admin/login"
  cookie="mamori_session=$(grep mamori_session "$work/jar" | awk '{print $7}')"
  rows=$(curl -s -b "$cookie" "http://127.0.0.1:$port/hub/findings" | grep -c '<tr><td><a href="/hub/devices/' || true)
  echo "findings page of hospital-0001: $rows findings"
  echo "-- (a) 64 connections back to back"
  wrk -t2 -c64 -d15s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/hub/findings" | grep -E "50%|90%|99%|Requests/sec"
  printf 'function delay()\n  return math.random(500, 1500)\nend\n' >"$work/think.lua"
  echo "-- (b) 64 users, each about one page a second"
  wrk -t2 -c64 -d15s --latency -s "$work/think.lua" -H "Cookie: $cookie" "http://127.0.0.1:$port/hub/findings" | grep -E "50%|90%|99%|Requests/sec"
  pkill -f "serve --db $db" || true
  sleep 1
}

run SQLite "sqlite://$work/hub.db"
if [ -n "${MAMORI_BENCH_POSTGRES:-}" ]; then
  psql "$MAMORI_BENCH_POSTGRES" -qc "DROP DATABASE IF EXISTS mamori_hub_bench" -c "CREATE DATABASE mamori_hub_bench"
  run PostgreSQL "${MAMORI_BENCH_POSTGRES%/*}/mamori_hub_bench"
fi
