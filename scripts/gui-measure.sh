#!/usr/bin/env bash
# Measures the real window under Xvfb beside a minimal Fyne app (figures
# for docs/benchmarks.md). Each run starts, in turn on one display, the
# baseline (internal/fyneminimal: one window of qfpos's size, one label)
# and qfpos, and measures for both:
#   - time to window: from exec to the window mapped (visible), polled
#     every 10 ms (scripts/lib-xvfb.sh wait_window);
#   - RSS 2 s after the window shows, and for qfpos on the QR screen too;
#   - the Go heap after a GC, when the binary prints it with
#     QFPOS_DEBUG_MEMSTATS=1 (qfpos-memstats: … heap_alloc_mb=…); "n/a" when
#     this qfpos does not;
#   - for qfpos, the first frame showing the keypad (a screenshot every
#     ~50–100 ms: coarse).
# It ends with medians (and ranges) of each figure and the ratio qfpos /
# baseline. Nothing big is read before measuring; the 10^6-order file runs
# only with BIG=1, and then the copy is dropped from the page cache first
# (cold, as after a reboot).
# Usage: scripts/gui-measure.sh [runs]   (after make build; needs the e2e packages)
#   BIN=bin/qfpos  MINIMAL=bin/fyneminimal (built when missing)  BIG=1
set -euo pipefail

BIN=${BIN:-bin/qfpos}
MINIMAL=${MINIMAL:-bin/fyneminimal}
RUNS=${1:-5}
PORT=${E2E_PORT:-18767}
DPY=${E2E_DISPLAY:-:96}
ORDERS_1M=${ORDERS_1M:-${TMPDIR:-/tmp}/qfpos-store-bench-v1-schema1.db}

if [ ! -x "$MINIMAL" ]; then
  echo "building the baseline app $MINIMAL…" >&2
  go build -tags migrated_fynedo -o "$MINIMAL" ./internal/fyneminimal
fi

LIB_NAME=gui-measure
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"
xvfb_start "$DPY" 1024x640

rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$app_pid/status"; }
# heap_mb — the Go heap of the last qfpos-memstats line, or n/a.
heap_mb() {
  local v
  v=$(grep -o 'heap_alloc_mb=[0-9.]*' "$tmp/app.log" 2>/dev/null | tail -1 | cut -d= -f2)
  echo "${v:-n/a}"
}
# wait_memstats N SECONDS — waits for the Nth qfpos-memstats line (false if none comes).
wait_memstats() {
  for _ in $(seq $(($2 * 20))); do
    [ "$(grep -c '^qfpos-memstats:' "$tmp/app.log" || true)" -ge "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
stop() { kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }

# frame_ready — true once the window shows more than a blank frame (the
# keypad's grey keys make the screenshot far from uniform).
frame_ready() {
  import -window root "$tmp/f.png" 2>/dev/null || return 1
  local sd
  sd=$(convert "$tmp/f.png" -colorspace Gray -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
  awk -v s="$sd" 'BEGIN {exit !(s > 0.05)}'
}

: >"$tmp/figures" # label metric value, one a line, for the summary

# baseline N — one start of the minimal app.
baseline() {
  local t0 win
  t0=$(now)
  QFPOS_DEBUG_MEMSTATS=1 "$MINIMAL" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  wait_window "^fyneminimal$" 60 "$app_pid" >/dev/null || fail "baseline: no window"
  win=$(since "$t0")
  wait_memstats 1 30 || true
  sleep 0.5
  local rss heap
  rss=$(rss_mb)
  heap=$(heap_mb)
  echo "baseline #$1: window ${win}s, RSS ${rss} MB, Go heap ${heap} MB"
  printf 'baseline window_s %s\nbaseline rss_mb %s\nbaseline heap_mb %s\n' "$win" "$rss" "$heap" >>"$tmp/figures"
  stop
}

# qfpos DB LABEL — one start of qfpos, measured.
qfpos() {
  local db=$1 label=$2 t0 win frame
  t0=$(now)
  QFPOS_DEBUG_MEMSTATS=1 QFPOS_DB=$db "$BIN" --sandbox --sandbox-listen "127.0.0.1:$PORT" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  wait_window "^qfpos" 60 "$app_pid" >/dev/null || fail "$label: no window"
  win=$(since "$t0")
  local ready=""
  for _ in $(seq 600); do frame_ready && { ready=1; break; }; sleep 0.01; done
  [ -n "$ready" ] || fail "$label: the window never showed the keypad"
  frame=$(since "$t0")
  sleep 2
  local amount_rss
  amount_rss=$(rss_mb)
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
  wait_memstats 1 3 || sleep 2
  sleep 0.5
  local qr_rss heap
  qr_rss=$(rss_mb)
  heap=$(heap_mb)
  echo "$label: window ${win}s, first frame ${frame}s, RSS amount screen ${amount_rss} MB, QR screen ${qr_rss} MB, Go heap ${heap} MB"
  printf '%s window_s %s\n%s frame_s %s\n%s rss_amount_mb %s\n%s rss_mb %s\n%s heap_mb %s\n' \
    "$3" "$win" "$3" "$frame" "$3" "$amount_rss" "$3" "$qr_rss" "$3" "$heap" >>"$tmp/figures"
  stop
}

for i in $(seq "$RUNS"); do
  baseline "$i"
  qfpos "$tmp/empty-$i.db" "qfpos, empty order file #$i" qfpos
done

if [ -n "${BIG:-}" ]; then
  if [ ! -f "$ORDERS_1M" ]; then
    echo "building the 10^6-order file (store benchmark fixture)…" >&2
    go test -run '^$' -bench 'Open1M' -benchtime 1x ./store/ >/dev/null
  fi
  for i in $(seq "$RUNS"); do
    cp "$ORDERS_1M" "$tmp/big.db"
    sync
    # Neither the copy nor its source stays in the page cache: a cold start.
    dd if="$tmp/big.db" iflag=nocache count=0 status=none
    dd if="$ORDERS_1M" iflag=nocache count=0 status=none
    qfpos "$tmp/big.db" "qfpos, 10^6 orders ($(du -m "$tmp/big.db" | cut -f1) MB, cold) #$i" qfpos-1M
    rm -f "$tmp/big.db" "$tmp/big.db.sandbox.json"
  done
fi

# Medians, ranges and the ratio qfpos / baseline.
echo
awk '
  $3 != "n/a" { k = $1 " " $2; if (!(k in n)) order[++keys] = k; v[k, ++n[k]] = $3 }
  END {
    for (x = 1; x <= keys; x++) {
      k = order[x]; c = n[k]
      for (i = 1; i <= c; i++) s[i] = v[k, i]
      for (i = 2; i <= c; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
      med[k] = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
      printf "%-22s median %8.2f  (%.2f–%.2f, %d runs)\n", k, med[k], s[1], s[c], c
    }
    split("window_s rss_mb heap_mb", m, " ")
    for (i = 1; i <= 3; i++) {
      b = "baseline " m[i]; q = "qfpos " m[i]
      if ((b in med) && (q in med) && med[b] > 0)
        printf "ratio qfpos/baseline %-8s %.2f  (qfpos %.2f, baseline %.2f; difference %+.2f)\n", m[i], med[q] / med[b], med[q], med[b], med[q] - med[b]
    }
  }' "$tmp/figures"
