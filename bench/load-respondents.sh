#!/usr/bin/env bash
# Load on the respondent pages: saves of an answer page (a durable draft write each) per second
# and latency at 64 and 256 concurrent respondents (and 256 who pause 100 ms between pages), on
# SQLite and on PostgreSQL; the server's
# time to ready and its idle memory. Needs wrk (apt-get install wrk); PostgreSQL at
# MAMORI_BENCH_POSTGRES (e.g. postgres://mamori:mamori@127.0.0.1:5432/postgres) for that half.
# Only 127.0.0.1 is targeted; every run is bounded (10 s, 30 s for the paused one). Prints Markdown for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p mamori-cli
bin=$PWD/target/release/mamori
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() { # name db-url
  local name=$1 db=$2 port=18181
  local start=$(date +%s%N)
  "$bin" serve --demo --demo-participants 256 --demo-links "$work/links.txt" --bind 127.0.0.1:$port ${db:+--db "$db"} >"$work/serve.log" 2>&1 &
  local pid=$!
  until curl -sf http://127.0.0.1:$port/healthz >/dev/null; do sleep 0.01; done
  local ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  local idle_kb=$(ps -o rss= -p $pid | tr -d ' ')
  : >"$work/entries.txt"
  while read -r link; do
    csrf=$(curl -s "$link/p/2" | grep -o 'name="_csrf" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}')
    echo "$link $csrf" >>"$work/entries.txt"
  done <"$work/links.txt"
  # The paused run lasts 30 s: wrk opens all 256 connections at once and sends their first
  # requests together, and that one burst (about 1% of a 10 s run) would otherwise decide its p99.
  for spec in 64:0:10 256:0:10 256:100:30; do
    IFS=: read -r c think seconds <<<"$spec"
    out=$(MAMORI_LOAD_ENTRIES="$work/entries.txt" MAMORI_LOAD_THINK_MS=$think wrk -t2 -c$c -d${seconds}s --latency -s bench/save.lua http://127.0.0.1:$port 2>&1)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
    echo "| $name | $c | ${think} ms | ${rps} | ${p50} | ${p99} | ${errors:-0} | ${ready_ms} ms | $((idle_kb / 1024)) MB |"
  done
  kill $pid; wait $pid 2>/dev/null || true
}

echo "| database | concurrent | think time | saves/s | p50 | p99 | non-2xx/3xx | ready | idle RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
run SQLite ""
if [ -n "${MAMORI_BENCH_POSTGRES:-}" ]; then
  db="mamori_bench_$$"
  psql "$MAMORI_BENCH_POSTGRES" -qc "CREATE DATABASE $db" >/dev/null
  run PostgreSQL "${MAMORI_BENCH_POSTGRES%/*}/$db"
  psql "$MAMORI_BENCH_POSTGRES" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi
echo
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); wrk and the server share the cores"
