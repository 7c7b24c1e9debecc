#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed number of inputs: the command of
# every fuzz.<name> ctest test (see CMakeLists.txt here).
#
#   run.sh FUZZER SEED_DIR WORK_DIR RUNS MAX_LEN [DICT]
#
# SEED_DIR and DICT are only read, and used when they exist. New inputs go
# to WORK_DIR/corpus, emptied first so that a run depends only on the
# committed seeds and -seed=1; crashing, leaking or hanging inputs go to
# WORK_DIR/artifacts/. Any crash, leak, sanitizer report or timeout makes
# libFuzzer exit non-zero, which fails the test.
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 FUZZER SEED_DIR WORK_DIR RUNS MAX_LEN [DICT]" >&2
  exit 2
fi
fuzzer=$1 seeds=$2 work=$3 runs=$4 max_len=$5 dict=${6:-}

rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"

args=(-runs="$runs" -seed=1 -max_len="$max_len" -timeout=30 -rss_limit_mb=2048
      -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
if [ -n "$dict" ] && [ -f "$dict" ]; then
  args+=(-dict="$dict")
fi
# The first directory is where libFuzzer writes; the seeds come second.
dirs=("$work/corpus")
if [ -d "$seeds" ]; then
  dirs+=("$seeds")
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
echo "fuzz: $fuzzer ${args[*]} ${dirs[*]}"
exec "$fuzzer" "${args[@]}" "${dirs[@]}"
