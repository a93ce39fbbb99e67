#!/usr/bin/env bash
# Issue 14's speed goal: a trend report of two waves of 1,000,000 responses each in under twice
# the time of one report of 1,000,000. Two synthetic waves of the 2024 questionnaire (seeds 1
# and 2; the demo ids make every organisation a panel member, the heaviest case), wall time
# and peak RSS of `mamori report` on one and `mamori trend` on both (hyperfine, ROUNDS rounds of 3 runs
# after a warm-up). Files go to $BENCH_DIR (default /tmp/mamori-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
cargo build -q --release -p mamori-cli
bin=target/release/mamori
form=questionnaires/mdcs-manufacturer-2024.xlsx
dir=${BENCH_DIR:-/tmp/mamori-bench}
mkdir -p "$dir"
for seed in 1 2; do
  [ -s "$dir/wave-$seed.csv" ] || "$bin" demo-data --form "$form" --n 1000000 --seed "$seed" -o "$dir/wave-$seed.csv"
done
report="$bin report --form $form --responses $dir/wave-2.csv --format json -o /dev/null"
trend="$bin trend --form $form --responses $dir/wave-2.csv --previous-form $form --previous-responses $dir/wave-1.csv -o /dev/null"
# This machine's speed drifts by ±5% over a minute, so one command timed after the other can
# tilt the ratio either way: ROUNDS rounds of both, each round a ratio of means, and the median.
rounds=${ROUNDS:-5}
for round in $(seq "$rounds"); do
  hyperfine -N --warmup 1 --runs 3 --export-json "$dir/round-$round.json" "$report" "$trend" >/dev/null
done
python3 - "$dir" "$rounds" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
ratios = []
print("round  report (s)      trend (s)       trend / report")
for r in range(1, rounds + 1):
    rep, tr = json.load(open(f"{d}/round-{r}.json"))["results"]
    ratios.append(tr["mean"] / rep["mean"])
    print(f"{r:5}  {rep['mean']:.3f} ± {rep['stddev']:.3f}   {tr['mean']:.3f} ± {tr['stddev']:.3f}   {ratios[-1]:.2f}")
print(f"median of {rounds} rounds: {statistics.median(ratios):.2f}x (lowest {min(ratios):.2f}, highest {max(ratios):.2f}); goal: under 2")
PY
for cmd in "$report" "$trend"; do
  /usr/bin/time -o "$dir/rss" -f %M $cmd >/dev/null 2>&1
  echo "peak RSS: $(( $(tail -1 "$dir/rss") / 1024 )) MB — ${cmd%% --form*} ${cmd##*mamori }" | cut -c1-60
done
