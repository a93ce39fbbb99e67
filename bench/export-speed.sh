#!/usr/bin/env bash
# Issue 15's speed goal: a .sav and a .dta of 1,000,000 responses of the 2024 questionnaire,
# each in under 3 s on two cores with peak memory under 200 MB. Measures every export format
# at 100,000 and 1,000,000 responses (hyperfine: wall time, 5 runs after a warm-up; GNU time:
# peak RSS) and prints a Markdown table for BENCHMARKS.md. The response files are generated
# once (`mamori demo-data`) into $BENCH_DIR (default /tmp/mamori-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
cargo build -q --release -p mamori-cli
bin=target/release/mamori
form=questionnaires/mdcs-manufacturer-2024.xlsx
dir=${BENCH_DIR:-/tmp/mamori-bench}
mkdir -p "$dir"
echo "| responses | format | file size | median [s] | min [s] | peak RSS |"
echo "|---:|---|---:|---:|---:|---:|"
for n in 100000 1000000; do
  csv="$dir/responses-$n.csv"
  [ -s "$csv" ] || "$bin" demo-data --form "$form" --n "$n" --seed 1 -o "$csv"
  for format in sav zsav dta r sps; do
    ext=$format; [ "$format" = r ] && ext=R
    out="$dir/export-$n.$ext"
    cmd="$bin export --form $form --responses $csv --format $format -o $out"
    hyperfine -N --warmup 1 --runs 5 --export-json "$dir/e.json" "$cmd" >/dev/null 2>&1
    read -r median min < <(python3 -c "import json; r=json.load(open('$dir/e.json'))['results'][0]; print(f\"{r['median']:.2f} {r['min']:.2f}\")")
    /usr/bin/time -o "$dir/rss" -f %M $cmd >/dev/null 2>&1
    rss=$(tail -1 "$dir/rss")
    size=$(du -h "$out" | cut -f1)
    [ "$format" = r ] || [ "$format" = sps ] && size="$(du -h "$dir/export-$n.csv" | cut -f1) CSV"
    echo "| $n | $format | $size | $median | $min | $((rss / 1024)) MB |"
  done
done
