#!/usr/bin/env bash
# Whole-process time of `mamori form check` and `mamori form show` on the 2024 questionnaire
# (goal: under 50 ms to read and check it). Needs hyperfine (Debian: apt-get install hyperfine).
# Usage: bench/form-check.sh   — prints a Markdown table to paste into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
cargo build --release -q -p mamori-cli
bin=target/release/mamori
form=questionnaires/mdcs-manufacturer-2024.xlsx
out=$(mktemp)
hyperfine --warmup 5 --runs 100 -N --export-markdown "$out" \
  "$bin form check $form" \
  "$bin form show $form --format json" >&2
cat "$out"
rm -f "$out"
echo
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
