#!/usr/bin/env bash
# The crash, two-tab and full-disk harness (tools/crash_harness.py) on SQLite and PostgreSQL.
#   tools/crash-harness.sh          the long run: 20 kill -9s per backend under 64 respondents,
#                                   200 two-tab trials per backend, the full disk (needs root)
#   tools/crash-harness.sh --short  what .ci/run runs: 3 kill -9s per backend, the rest the same
# Needs the debug binary (tools/test builds it) and PostgreSQL at MAMORI_TEST_POSTGRES (default:
# the role tools/test makes). Everything stays on 127.0.0.1 and every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=20
[ "${1:-}" = "--short" ] && kills=3
bin="${MAMORI_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/mamori}"
[ -x "$bin" ] || cargo build -q -p mamori-cli
pg="${MAMORI_TEST_POSTGRES:-postgres://mamori:mamori@127.0.0.1:5432/postgres}"
base="${pg%/*}"
status=0
python3 tools/crash_harness.py crash --bin "$bin" --kills "$kills" || status=1
python3 tools/crash_harness.py tabs --bin "$bin" --trials 200 || status=1
for mode in crash tabs; do
  db="mamori_harness_$$_$mode"
  psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
  python3 tools/crash_harness.py "$mode" --bin "$bin" --kills "$kills" --trials 200 --db "$base/$db" || status=1
  psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
if [ "$(id -u)" = 0 ]; then
  python3 tools/crash_harness.py diskfull --bin "$bin" || status=1
else
  echo "crash-harness: the full-disk run mounts a tmpfs and needs root" >&2
  status=1
fi
exit $status
