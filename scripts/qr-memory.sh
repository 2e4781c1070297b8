#!/usr/bin/env bash
# Memory on the QR screen and Charge → QR, side by side (docs/benchmarks.md,
# "Memory and Charge → QR"). For each binary of BINS (default bin/qfpos), and
# the minimal Fyne app MINIMAL (one label; optional), ROUNDS times, in turn:
# start it under Xvfb with QFPOS_DEBUG_MEMSTATS=1, make SALES sales (type an
# amount, Enter, wait for the QR, pay it at the sandbox, back to a new sale),
# and print per sale the Go heap after a GC and the process's RSS with the
# QR on screen, how long Charge held the UI goroutine, and Charge → QR set.
# The minimal app prints its heap 4 s after its window shows.
#   BINS="old/qfpos bin/qfpos" MINIMAL=/tmp/minimal LANGUAGE=en scripts/qr-memory.sh
set -euo pipefail

BINS=${BINS:-bin/qfpos}
MINIMAL=${MINIMAL:-}
ROUNDS=${ROUNDS:-3}
SALES=${SALES:-3}
LANGUAGE=${LANGUAGE:-en}
PORT=${QR_PORT:-18771}
DPY=${QR_DISPLAY:-:71}

LIB_NAME=qr-memory
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"
xvfb_start "$DPY" 1024x640
ctl=http://127.0.0.1:$PORT/sandbox/control

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# wait_line PATTERN N — waits until the app's log has N lines matching PATTERN.
wait_line() {
  for _ in $(seq 600); do
    [ "$(grep -c "$1" "$tmp/app.log" || true)" -ge "$2" ] && return 0
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited"
    sleep 0.05
  done
  fail "no $1 line $2"
}

stop() { kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }

run_qfpos() {
  local bin=$1 round=$2 n no line
  rm -f "$tmp"/orders.db*
  QFPOS_DEBUG_HEAPPROFILE=${HEAPPROFILE:-} QFPOS_DEBUG_MEMSTATS=1 QFPOS_DB=$tmp/orders.db "$bin" --sandbox --sandbox-listen "127.0.0.1:$PORT" \
    --merchant-name "Tea House" --language "$LANGUAGE" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 200); do curl -fs "$ctl/orders" >/dev/null && break; sleep 0.05; done
  xdotool search --sync --onlyvisible --name "^qfpos" >/dev/null
  sleep 2 # the first frame
  for n in $(seq "$SALES"); do
    xdotool type --delay 30 "12.50"
    xdotool key Return
    wait_line "qfpos-memstats: sale=" "$n"
    line=$(grep "qfpos-memstats: sale=" "$tmp/app.log" | tail -1)
    echo "$bin round=$round ${line#qfpos-memstats: } rss_mb=$(rss_mb "$app_pid")"
    no=$(curl -fs "$ctl/orders" | jq -r '[.orders[] | select(.state == "pending")][0].out_trade_no')
    curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=$no"
    sleep 1.5
    xdotool key Return # the result screen: a new sale
    sleep 0.5
  done
  stop
}

run_minimal() {
  local round=$1 line
  QFPOS_DEBUG_HEAPPROFILE=${HEAPPROFILE:-} "$MINIMAL" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  wait_line "qfpos-memstats:" 1
  line=$(grep "qfpos-memstats:" "$tmp/app.log" | tail -1)
  echo "minimal round=$round ${line#qfpos-memstats: } rss_mb=$(rss_mb "$app_pid")"
  stop
}

for round in $(seq "$ROUNDS"); do
  for bin in $BINS; do run_qfpos "$bin" "$round"; done
  if [ -n "$MINIMAL" ]; then run_minimal "$round"; fi
done
