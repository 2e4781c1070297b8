#!/usr/bin/env bash
# Measures the real window under Xvfb (figures for docs/benchmarks.md):
#   - start-up: from exec to the window on screen, and to the first frame
#     that shows the keypad, with an empty order file and with a copy of
#     the store's 10^6-order benchmark file (ORDERS_1M, built by
#     `go test -run '^$' -bench Open1M ./store/` when missing);
#   - memory: VmRSS on the amount screen and on the QR screen.
# Usage: scripts/gui-measure.sh [runs]   (after make build; needs the e2e packages)
set -euo pipefail

BIN=${BIN:-bin/qfpos}
RUNS=${1:-3}
PORT=${E2E_PORT:-18767}
DPY=${E2E_DISPLAY:-:96}
ORDERS_1M=${ORDERS_1M:-${TMPDIR:-/tmp}/qfpos-store-bench-v1-schema1.db}

LIB_NAME=gui-measure
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"
xvfb_start "$DPY" 1024x640

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
# rss — resident memory, and of it the heap/stacks (anon) and mapped files
# (the order file is mmapped by bbolt; fonts and libraries).
rss() { awk '/^VmRSS/ {t=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "%.0f MB (anon %.0f, files %.0f)", t/1024, a/1024, f/1024}' "/proc/$app_pid/status"; }

# frame_ready — true once the window shows more than a blank frame (the
# keypad's grey keys make the screenshot far from uniform).
frame_ready() {
  import -window root "$tmp/f.png" 2>/dev/null || return 1
  local sd
  sd=$(convert "$tmp/f.png" -colorspace Gray -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
  awk -v s="$sd" 'BEGIN {exit !(s > 0.05)}'
}

# run DB LABEL — one start, measured.
run() {
  local db=$1 label=$2 t0 win frame
  t0=$(now)
  GODEBUG=${GODEBUG_APP:-} QFPOS_DB=$db "$BIN" --sandbox --sandbox-listen "127.0.0.1:$PORT" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  timeout 60 xdotool search --sync --name "^qfpos" >/dev/null || fail "$label: no window"
  win=$(since "$t0")
  local ready=""
  for _ in $(seq 600); do frame_ready && { ready=1; break; }; sleep 0.05; done
  [ -n "$ready" ] || fail "$label: the window never showed the keypad"
  frame=$(since "$t0")
  sleep 2
  local amount_rss
  amount_rss=$(rss)
  xdotool type --delay 40 "12.50"
  xdotool key Return
  local qr=""
  for _ in $(seq 150); do
    import -window root "$tmp/q.png"
    qr=$(zbarimg -q --raw "$tmp/q.png" 2>/dev/null || true)
    [ -n "$qr" ] && break
    sleep 0.2
  done
  [ -n "$qr" ] || fail "$label: no QR on screen"
  sleep 2
  [ -n "${GODEBUG_APP:-}" ] && grep "^gc " "$tmp/app.log" | tail -2 >&2
  echo "$label: window ${win}s, first frame ${frame}s, RSS amount screen $amount_rss, QR screen $(rss)"
  kill -TERM "$app_pid"
  wait "$app_pid" || true
  app_pid=""
}

for i in $(seq "$RUNS"); do run "$tmp/empty-$i.db" "empty order file #$i"; done

if [ ! -f "$ORDERS_1M" ]; then
  echo "building the 10^6-order file (store benchmark fixture)…" >&2
  go test -run '^$' -bench 'Open1M' -benchtime 1x ./store/ >/dev/null
fi
[ "${EMPTY_ONLY:-}" ] && exit 0
for i in $(seq "$RUNS"); do
  cp "$ORDERS_1M" "$tmp/big.db"
  sync
  run "$tmp/big.db" "10^6 orders ($(du -m "$tmp/big.db" | cut -f1) MB) #$i"
  rm -f "$tmp/big.db" "$tmp/big.db.sandbox.json"
done
