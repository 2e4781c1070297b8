#!/usr/bin/env bash
# make bench: runs the Go benchmarks of exactly the packages that have
# some (found in the *_test.go files), then prints every figure they
# reported — ns/op, B/op, allocs/op and each b.ReportMetric unit — in one
# table (scripts/bench-table.sh). The full output goes to $BENCH_LOG
# (default bin/bench.log).
#   BENCH=regexp  only benchmarks matching it (default: all)
#   COUNT=n       runs of each benchmark (default 1); the table gives the median and spread
#   GO, TAGS      as in the Makefile
set -euo pipefail

GO=${GO:-go}
TAGS=${TAGS:-migrated_fynedo}
COUNT=${COUNT:-1}
BENCH=${BENCH:-.}
LOG=${BENCH_LOG:-bin/bench.log}
mkdir -p "$(dirname "$LOG")"
: >"$LOG"

# Benchmarks that want their own flags: package, benchmark name, flags.
# Every other benchmark runs with -benchmem and the default -benchtime.
SPECIAL=(
  "checkout BenchmarkDetectionLatency -benchtime 20x"
  "checkout BenchmarkQueriesPerMinute -benchtime 3x"
)

# bench PKG ARGS… — one go test run, its output shown and logged.
bench() {
  local pkg=$1
  shift
  echo "bench: ./$pkg $*" >&2
  "$GO" test -tags "$TAGS" -run '^$' -count "$COUNT" "$@" "./$pkg/" 2>&1 | tee -a "$LOG"
}

status=0
for pkg in $(git grep -l '^func Benchmark' -- '*_test.go' | xargs -n1 dirname | sort -u); do
  mapfile -t names < <(grep -ho '^func Benchmark[A-Za-z0-9_]*' "$pkg"/*_test.go | sed 's/^func //' | sort -u)
  special=()
  for s in "${SPECIAL[@]}"; do
    read -r p name flags <<<"$s"
    [ "$p" = "$pkg" ] || continue
    printf '%s\n' "${names[@]}" | grep -qx "$name" || continue # renamed or gone
    special+=("$name")
    # shellcheck disable=SC2086 # flags are words
    echo "$name" | grep -Eq -- "$BENCH" && { bench "$pkg" -bench "^$name\$" $flags || status=1; }
  done
  rest=()
  for n in "${names[@]}"; do
    printf '%s\n' "${special[@]}" | grep -qx "$n" || rest+=("$n")
  done
  [ ${#rest[@]} -gt 0 ] || continue
  printf '%s\n' "${rest[@]}" | grep -Eq -- "$BENCH" || continue
  skip='^$'
  [ ${#special[@]} -gt 0 ] && skip="^($(IFS='|'; echo "${special[*]}"))\$"
  bench "$pkg" -bench "$BENCH" -skip "$skip" -benchmem || status=1
done

echo
scripts/bench-table.sh "$LOG"
exit $status
