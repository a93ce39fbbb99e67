#!/usr/bin/env bash
# Whole-process wall time and peak memory of `mamori report --format json` against the same
# report made with pandas and SciPy (bench/report_pandas.py), on 441, 100,000 and 1,000,000
# synthetic responses to the 2024 questionnaire, measured side by side in one run.
# Needs: hyperfine (apt-get install hyperfine), python3 with pandas, scipy, openpyxl
# (pip install pandas scipy openpyxl). Writes its data to ${BENCH_DIR:-/tmp/mamori-bench}.
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mamori-bench}
mkdir -p "$dir"
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
python3 -c "import pandas, scipy, openpyxl" || { echo "pip install pandas scipy openpyxl" >&2; exit 2; }
cargo build --release -q -p mamori-cli
bin=target/release/mamori
form=questionnaires/mdcs-manufacturer-2024.xlsx

echo "| responses | file | Mamori median [s] | Mamori peak RSS | pandas median [s] | pandas peak RSS | speed-up |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in 441 100000 1000000; do
  csv="$dir/responses-$n.csv"
  if [ "$n" = 441 ]; then cp fixtures/mdcs-2024-441.csv "$csv"; else
    [ -s "$csv" ] || "$bin" demo-data --form "$form" --n "$n" --seed 1 -o "$csv"; fi
  # Mamori's runs are cheap: eleven of them make its median steady on a noisy machine.
  runs=11; pruns=3
  [ "$n" = 1000000 ] && pruns=2
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/m-$n.json" "$bin report --form $form --responses $csv --format json" >/dev/null 2>&1
  hyperfine -N --warmup 0 --runs "$pruns" --export-json "$dir/p-$n.json" "python3 bench/report_pandas.py $form $csv" >/dev/null 2>&1
  m_rss=$( { /usr/bin/time -f %M "$bin" report --form "$form" --responses "$csv" --format json >/dev/null; } 2>&1 | tail -1)
  p_rss=$( { /usr/bin/time -f %M python3 bench/report_pandas.py "$form" "$csv" >/dev/null; } 2>&1 | tail -1)
  python3 - "$dir/m-$n.json" "$dir/p-$n.json" "$n" "$csv" "$m_rss" "$p_rss" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))["results"][0]
p = json.load(open(sys.argv[2]))["results"][0]
n, csv, m_rss, p_rss = int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
size = os.path.getsize(csv) / 1e6
print(f"| {n:,} | {size:.1f} MB | {m['median']:.3f} (min {m['min']:.3f}) | {m_rss/1024:.0f} MB | {p['median']:.2f} (min {p['min']:.2f}) | {p_rss/1024:.0f} MB | {p['median']/m['median']:.0f}× |")
PY
done
echo
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); $(python3 -c 'import pandas, scipy; print(f"pandas {pandas.__version__}, SciPy {scipy.__version__}")')"
