#!/usr/bin/env bash
# The hub engine's speed goals (issue 16): read and index the whole corpus < 2 s, scan an SBOM
# of 10,000 components < 100 ms, match 100,000 inventory devices < 1 s; peak memory.
# Phase by phase with crates/matching/examples/hub_speed.rs (release build), three runs, then
# the command line end to end on the same inputs. Results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpora/hub}
runs=${RUNS:-3}
cargo build -q --release --example hub_speed -p mamori-matching
cargo build -q --release -p mamori-cli
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for i in $(seq "$runs"); do
  echo "--- run $i"
  ./target/release/examples/hub_speed "$corpus"
done
# End to end: the whole ICSMA corpus against a 100,000-row inventory CSV written here.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$corpus" "$work/inventory.csv" <<'PY'
import csv, glob, json, sys
corpus, out = sys.argv[1], sys.argv[2]
products = []
for f in sorted(glob.glob(corpus + "/csaf/icsma/*/*.json")):
    d = json.load(open(f))
    def walk(b, vendor=None, name=None):
        for x in b.get("branches", []) or []:
            c = x.get("category")
            walk(x, x["name"] if c == "vendor" else vendor, x["name"] if c == "product_name" else name)
        if "product" in b and vendor and name:
            products.append((vendor, name))
    walk(d.get("product_tree", {}))
with open(out, "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["製造販売業者", "製品名", "ソフトウェアバージョン", "シリアル番号"])
    for i in range(100_000):
        v, p = products[(i // 2) % len(products)] if i % 2 == 0 else (f"Example Medical {i % 997}", f"Monitor {i % 89}")
        w.writerow([v, p, f"{i % 13}.{i % 7}.{i % 23}", f"S{i:06}"])
PY
echo "--- mamori hub match, 100,000 devices against $corpus/csaf/icsma (end to end, JSON to /dev/null)"
/usr/bin/time -f "%e s elapsed, %M KiB peak RSS" ./target/release/mamori hub match --inventory "$work/inventory.csv" \
  --csaf "$corpus/csaf/icsma" --format json > /dev/null 2> "$work/err" || true
tail -1 "$work/err"
