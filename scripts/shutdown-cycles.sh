#!/usr/bin/env bash
# Start/sale/stop cycles of the real window under Xvfb (issue 9, shutdown):
# each cycle starts bin/qfpos in sandbox mode on one order file, types an
# amount, charges, waits for the QR on screen, sends SIGTERM with the sale
# open, and checks that qfpos exits within LIMIT seconds (default 35) and
# that the order is not lost: it is in the order file, settled or recorded
# unknown, never missing nor left awaiting. A process still running at LIMIT counts as
# a hang: its goroutines go to $OUT/hang-N.txt (SIGQUIT) and the cycles go
# on. Prints one line per cycle and a summary (exit times: median, p95,
# max); exits 1 on any hang or lost order.
# HANG_CLOSE=1 makes the sandbox hold every close for 2 minutes (a QFPay
# that never confirms): qfpos must still exit within LIMIT, the order
# recorded unknown.
# Usage: scripts/shutdown-cycles.sh [cycles]   (after make build; needs the e2e packages)
#   BIN=bin/qfpos  LIMIT=35  HANG_CLOSE=1  OUT=dir for hang dumps (default: a temp dir)
set -euo pipefail

BIN=${BIN:-bin/qfpos}
CYCLES=${1:-50}
LIMIT=${LIMIT:-35}
PORT=${E2E_PORT:-18769}
DPY=${E2E_DISPLAY:-:95}

LIB_NAME=shutdown-cycles
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
export QFPOS_DB=$tmp/orders.db
xvfb_start "$DPY" 1024x640

# frame_ready — the window shows more than a blank frame (the keypad).
frame_ready() {
  import -window root "$tmp/f.png" 2>/dev/null || return 1
  local sd
  sd=$(convert "$tmp/f.png" -colorspace Gray -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
  awk -v s="$sd" 'BEGIN {exit !(s > 0.05)}'
}

# order_state NO — the order's state in the order file ("" if missing).
order_state() { "$BIN" orders --sandbox --json 2>/dev/null | jq -r --arg no "$1" '.[] | select(.out_trade_no == $no) | .state'; }

hangs=0 lost=0 failed=0
: >"$tmp/times"
for i in $(seq "$CYCLES"); do
  "$BIN" --sandbox --sandbox-listen "127.0.0.1:$PORT" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  wait_window "^qfpos" 60 "$app_pid" >/dev/null || fail "cycle $i: no window"
  ready=""
  for _ in $(seq 400); do frame_ready && { ready=1; break; }; sleep 0.05; done
  [ -n "$ready" ] || fail "cycle $i: the window never showed the keypad"
  # Type an amount and charge; again if the first keys came too early.
  qr=""
  for try in 1 2; do
    xdotool type --delay 30 "$((i % 9 + 1)).$((i % 10))0"
    xdotool key Return
    for _ in $(seq 100); do
      import -window root "$tmp/q.png"
      qr=$(zbarimg -q --raw "$tmp/q.png" 2>/dev/null | head -1 || true)
      [ -n "$qr" ] && break
      sleep 0.1
    done
    [ -n "$qr" ] && break
    log "cycle $i: no QR after try $try"
    xdotool key Escape
  done
  if [ -z "$qr" ]; then
    failed=$((failed + 1))
    kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=""
    continue
  fi
  no=${qr##*/}
  if [ -n "${HANG_CLOSE:-}" ]; then
    curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
      --data '{"close": [{"kind": "latency", "delay": "120s", "times": 20}]}' \
      "http://127.0.0.1:$PORT/sandbox/control/faults" || fail "cycle $i: cannot set the sandbox's faults"
  fi
  sleep "0.$((RANDOM % 10))" # SIGTERM at a random moment of the QR screen
  t0=$(now)
  kill -TERM "$app_pid"
  exited=""
  while :; do
    kill -0 "$app_pid" 2>/dev/null || { exited=1; break; }
    awk -v a="$t0" -v b="$(now)" -v l="$LIMIT" 'BEGIN {exit !(b - a > l)}' && break
    sleep 0.05
  done
  took=$(since "$t0")
  if [ -z "$exited" ]; then
    hangs=$((hangs + 1))
    kill -QUIT "$app_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    cp "$tmp/app.log" "$OUT/hang-$i.txt"
    rc="HANG (goroutines: $OUT/hang-$i.txt)"
  else
    rc=0; wait "$app_pid" || rc=$?
  fi
  app_pid=""
  echo "$took" >>"$tmp/times"
  st=$(order_state "$no")
  case $st in
    cancelled | paid | expired | failed | unknown) ;;
    *) lost=$((lost + 1)); st="NOT RECORDED: ${st:-missing}"; cp "$tmp/app.log" "$OUT/lost-$i.txt" ;;
  esac
  echo "cycle $i: $no exit ${took}s status $rc, order $st"
done

sort -n "$tmp/times" | awk -v c="$CYCLES" -v h="$hangs" -v l="$lost" -v f="$failed" -v lim="$LIMIT" '
  { t[NR] = $1 }
  END {
    if (NR == 0) { printf "summary: no sale reached the QR screen (%d cycles)\n", c; exit }
    p95 = int(NR * 0.95 + 0.999); if (p95 > NR) p95 = NR
    printf "summary: %d cycles, %d hung (> %d s), %d orders lost or left open, %d without a QR; exit after SIGTERM: median %.2f s, p95 %.2f s, max %.2f s\n",
      c, h, lim, l, f, t[int((NR + 1) / 2)], t[p95], t[NR]
  }'
[ "$hangs" -eq 0 ] && [ "$lost" -eq 0 ] && [ "$failed" -eq 0 ]
