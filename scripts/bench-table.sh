#!/usr/bin/env bash
# Prints every figure of `go test -bench` output (files or stdin) as one
# table: benchmark | metric | value, for ns/op, B/op, allocs/op, MB/s and
# any unit a benchmark reports with b.ReportMetric. A benchmark run more
# than once (-count, or several runs in the log) shows the median and,
# in brackets, the lowest and highest value. Lines that are not benchmark
# results are ignored, and a result printed on a line of its own (the
# benchmark logged something first) is still given to its benchmark.
# Usage: scripts/bench-table.sh [bench.log…]
set -euo pipefail

awk '
function short(name,    n) {
  sub(/-[0-9]+$/, "", name)            # GOMAXPROCS suffix
  sub(/^Benchmark/, "", name)
  n = pkg; sub(/^.*\//, "", n)         # last element of the import path
  return (n == "" ? "" : n ".") name
}
function record(name, fields, from,    i, key) {
  for (i = from; i + 1 <= nf; i += 2) {
    if (fields[i] !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) break
    key = name SUBSEP fields[i + 1]
    if (!(key in n)) { order[++keys] = key }
    vals[key, ++n[key]] = fields[i] + 0
  }
}
/^pkg: / { pkg = $2; next }
/^Benchmark[^ \t]*/ {
  name = short($1)
  nf = split($0, f, /[ \t]+/)
  if (nf >= 4 && f[2] ~ /^[0-9]+$/) { record(name, f, 3); pending = "" }
  else pending = name                 # results follow on a later line
  next
}
pending != "" && /^[ \t]*[0-9]+[ \t]+-?[0-9.]+ [^ \t]/ {
  line = $0; sub(/^[ \t]+/, "", line)
  nf = split(line, f, /[ \t]+/)
  record(pending, f, 2); pending = ""
  next
}
function fmtv(v) {
  if (v == int(v) && (v < 0 ? -v : v) < 1e15) return sprintf("%d", v)
  if ((v < 0 ? -v : v) >= 100) return sprintf("%.0f", v)
  if ((v < 0 ? -v : v) >= 1) return sprintf("%.2f", v)
  return sprintf("%.4g", v)
}
END {
  if (keys == 0) { print "bench-table: no benchmark results" > "/dev/stderr"; exit 1 }
  wb = length("benchmark"); wm = length("metric")
  for (k = 1; k <= keys; k++) {
    split(order[k], p, SUBSEP)
    c = n[order[k]]
    for (i = 1; i <= c; i++) s[i] = vals[order[k], i]
    for (i = 2; i <= c; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
    med = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
    v = fmtv(med)
    if (c > 1) v = v " (" fmtv(s[1]) "–" fmtv(s[c]) ", " c " runs)"
    B[k] = p[1]; M[k] = p[2]; V[k] = v
    if (length(p[1]) > wb) wb = length(p[1])
    if (length(p[2]) > wm) wm = length(p[2])
  }
  printf "%-" wb "s | %-" wm "s | %s\n", "benchmark", "metric", "value"
  line = ""; for (i = 0; i < wb + wm + 26; i++) line = line "-"
  print line
  for (k = 1; k <= keys; k++) printf "%-" wb "s | %-" wm "s | %s\n", B[k], M[k], V[k]
}
' "$@"
