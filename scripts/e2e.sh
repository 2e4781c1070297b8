#!/usr/bin/env bash
# End-to-end test of the real window (make e2e): bin/qfpos runs under Xvfb
# in sandbox mode with its own config folder and order file; xdotool types
# like a cashier, ImageMagick takes screenshots, zbarimg reads the QR off
# the screen, and the sandbox's control API plays the customer. It checks
# that the QR on screen is the order's, that paying, declining and
# cancelling each end on their own result screen (told apart by its
# colour: green paid, red failed, orange cancelled) and in the order file,
# and that SIGTERM during a sale cancels it at QFPay before qfpos exits.
# Then: network trouble dims the QR (zbarimg must not read it) and it
# comes back; the customer display beside the cashier window (the amount as
# typed, the QR in both, its size remembered); a partial refund by touch,
# confirmed; and the kiosk walked as a customer (type, pay, back to a clear
# amount screen) and left on History by staff until the idle reset, which
# must draw the amount screen again (compared pixel by pixel with the first).
# E2E_FROM=N runs from section N only.
# Screenshots of every step go to $SHOTS/gui-*.png (default
# docs/screenshots). Run it from the repository root after `make build`;
# the Makefile does both.
set -euo pipefail

BIN=${BIN:-bin/qfpos}
SHOTS=${SHOTS:-docs/screenshots}
PORT=${E2E_PORT:-18765}
DPY=${E2E_DISPLAY:-:97}
SIZE=${E2E_SIZE:-1024x640}

LIB_NAME=e2e
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"

mkdir -p "$SHOTS"
export QFPOS_DB=$tmp/orders.db
xvfb_start "$DPY" "$SIZE"

ctl=http://127.0.0.1:$PORT/sandbox/control

# start ARGS… — starts qfpos and waits for its window.
start() {
  local t0
  t0=$(date +%s.%N)
  "$BIN" --sandbox --sandbox-listen "127.0.0.1:$PORT" --merchant-name "Tea House" "$@" >"$tmp/app.log" 2>&1 &
  app_pid=$!
  timeout 60 xdotool search --sync --name "^(qfpos|Tea House)" >/dev/null || fail "no window" # a kiosk is titled with the merchant's name
  log "window up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s"
  for _ in $(seq 100); do curl -fs "$ctl/orders" >/dev/null && break; sleep 0.1; done
  sleep 1.5 # the first frame
}

# stop — SIGTERM, as a service manager would; qfpos quits cleanly.
stop() {
  kill -TERM "$app_pid"
  for _ in $(seq 600); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$app_pid" 2>/dev/null && fail "qfpos did not exit after SIGTERM"
  wait "$app_pid" || true
  app_pid=""
}

shot() { import -window root "$1"; }

# click X Y — moves, lets Fyne see the pointer there, then clicks.
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool click 1; }

# qr_on_screen — prints the payment QR's payload on screen, if any (the
# app's icon, on the customer display's welcome, is a QR too: not a URL).
qr_on_screen() {
  shot "$tmp/scan.png"
  zbarimg -q --raw "$tmp/scan.png" 2>/dev/null | grep -m1 '^http' || true
}

# wait_qr — waits for a QR and prints its payload.
wait_qr() {
  local qr=""
  for _ in $(seq 150); do
    qr=$(qr_on_screen)
    [ -n "$qr" ] && { echo "$qr"; return; }
    sleep 0.2
  done
  fail "no QR on screen"
}

# pixels IMAGE COLOUR — how many pixels of IMAGE are COLOUR (within 6%).
pixels() { convert "$1" -alpha off -fuzz 6% -fill black +opaque "$2" -fill white -opaque "$2" -format '%[fx:round(w*h*mean)]' info:; }

# result_screen IMAGE — which result screen IMAGE shows, by the colour of
# its banner (ui/theme.go's palette): paid (success green), failed
# (error red), warning (orange: cancelled, expired, unknown), or none.
result_screen() {
  local green red orange
  green=$(pixels "$1" '#1b7a34')
  red=$(pixels "$1" '#c62828')
  orange=$(pixels "$1" '#a84e00')
  if [ "$green" -gt 500 ] && [ "$red" -eq 0 ] && [ "$orange" -eq 0 ]; then
    echo paid
  elif [ "$red" -gt 500 ] && [ "$green" -eq 0 ] && [ "$orange" -eq 0 ]; then
    echo failed
  elif [ "$orange" -gt 500 ] && [ "$green" -eq 0 ] && [ "$red" -eq 0 ]; then
    echo warning
  else
    echo "none (green $green, red $red, orange $orange pixels)"
  fi
}

# wait_result WANT — waits until the QR is gone and the result screen WANT
# (paid, failed, warning) shows; fails naming the screen that shows instead.
wait_result() {
  local got=""
  for _ in $(seq 150); do
    if [ -z "$(qr_on_screen)" ]; then
      got=$(result_screen "$tmp/scan.png")
      [ "$got" = "$1" ] && { sleep 0.5; return; }
    fi
    sleep 0.2
  done
  cp "$tmp/scan.png" "$SHOTS/gui-e2e-failed.png" 2>/dev/null || true
  fail "want the $1 result screen; the screen shows ${got:-the QR} ($SHOTS/gui-e2e-failed.png)"
}

# sandbox_state OUT_TRADE_NO — the order's state at the sandbox, asked
# through its control API (while qfpos, which runs it, runs).
sandbox_state() { curl -fs "$ctl/orders" | jq -r --arg no "$1" '.orders[] | select(.out_trade_no == $no) | .state'; }

# saved_sandbox_state OUT_TRADE_NO — the order's state in the sandbox's
# state file, for when qfpos (and with it the sandbox) has exited.
saved_sandbox_state() { jq -r --arg no "$1" '.orders[] | select(.out_trade_no == $no) | .state' "$QFPOS_DB.sandbox.json"; }

# order_state OUT_TRADE_NO — the order's state in qfpos's order file.
order_state() { "$BIN" orders --sandbox --json 2>/dev/null | jq -r --arg no "$1" '.[] | select(.out_trade_no == $no) | .state'; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# E2E_FROM=N skips the sections before N (a quicker run of the later ones).
section() { [ "${E2E_FROM:-1}" -le "$1" ]; }

# --- 1. A paid sale, a declined one, history and settings (English) -------
if section 1; then
start
xdotool type --delay 60 "12.50"
sleep 0.5
shot "$SHOTS/gui-amount.png"
xdotool key Return
qr=$(wait_qr)
no=${qr##*/}
shot "$SHOTS/gui-qr.png"
log "QR on screen: $qr"
case "$qr" in http://*/sandbox/pay/QF*) ;; *) fail "QR $qr is not a sandbox payer page" ;; esac
[ "$(sandbox_state "$no")" = "pending" ] || fail "order $no is not pending at the sandbox: $(sandbox_state "$no")"
sleep 2
log "RSS on the QR screen: $(rss_kb "$app_pid") kB"

# The customer pays: the payer page that IS the QR, as a phone would.
curl -fs -o /dev/null -X POST --data "action=pay" "$qr" || curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=$no"
wait_result paid
shot "$SHOTS/gui-paid.png"
[ "$(sandbox_state "$no")" = "paid" ] || fail "order $no is $(sandbox_state "$no") at the sandbox, want paid"
log "paid screen shown for $no"

xdotool key Return
sleep 0.5
xdotool type --delay 60 "3"
xdotool key Return
qr2=$(wait_qr)
no2=${qr2##*/}
[ "$no2" != "$no" ] || fail "the second sale reused $no"
curl -fs -o /dev/null -X POST "$ctl/decline?out_trade_no=$no2"
wait_result failed
shot "$SHOTS/gui-failed.png"
log "failed screen shown for $no2"

xdotool key Return
sleep 0.5
click 121 54 # History
sleep 1
shot "$SHOTS/gui-history.png"
click 219 54 # Settings: the first time, set the PIN
sleep 1
shot "$SHOTS/gui-pin.png"
xdotool type --delay 60 "2580"
xdotool key Return
sleep 0.5
xdotool type --delay 60 "2580"
xdotool key Return
sleep 2
shot "$SHOTS/gui-settings.png"
grep -qF 'pin_hash = "$argon2id$' "$XDG_CONFIG_HOME/qfpos/config.toml" || fail "the PIN was not saved as a hash"
grep -q 2580 "$XDG_CONFIG_HOME/qfpos/config.toml" && fail "the PIN is in the config file in plain"
stop

[ "$(order_state "$no")" = "paid" ] || fail "order $no is $(order_state "$no") in the order file, want paid"
[ "$(order_state "$no2")" = "failed" ] || fail "order $no2 is $(order_state "$no2"), want failed"
log "order file: $no paid, $no2 failed"
fi

# --- 2. Traditional Chinese; SIGTERM during a sale cancels it ----------------
if section 2; then
start --language zh-Hant
xdotool type --delay 60 "88"
xdotool key Return
qr3=$(wait_qr)
no3=${qr3##*/}
shot "$SHOTS/gui-qr_zh-Hant.png"
[ "$(sandbox_state "$no3")" = "pending" ] || fail "order $no3 is $(sandbox_state "$no3") at the sandbox, want pending"
xdotool key Escape
sleep 0.7
shot "$SHOTS/gui-cancel_zh-Hant.png"
stop
[ "$(order_state "$no3")" = "cancelled" ] || fail "order $no3 is $(order_state "$no3") after SIGTERM, want cancelled"
# The sandbox ran inside qfpos and is gone with it: its state file tells.
[ "$(saved_sandbox_state "$no3")" = "closed" ] || fail "order $no3 is $(saved_sandbox_state "$no3") in the sandbox's state file after SIGTERM, want closed"
log "SIGTERM during the sale: $no3 cancelled at QFPay"
fi

# --- 3. Simplified Chinese kiosk ------------------------------------------------
if section 3; then
start --language zh-Hans --kiosk
xdotool type --delay 60 "25"
sleep 0.5
shot "$SHOTS/gui-kiosk_zh-Hans.png"
xdotool key Return
qr4=$(wait_qr)
shot "$SHOTS/gui-qr_zh-Hans_kiosk.png"
curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=${qr4##*/}"
wait_result paid
shot "$SHOTS/gui-paid_zh-Hans_kiosk.png"
# Cancel by touch: Cancel, then the red button of the confirmation.
xdotool key Return
sleep 0.5
xdotool type --delay 60 "7"
xdotool key Return
qr5=$(wait_qr)
click 790 614 # Cancel
sleep 0.7
click 549 386 # Cancel payment
wait_result warning
shot "$SHOTS/gui-cancelled_zh-Hans_kiosk.png"
[ "$(sandbox_state "${qr5##*/}")" = "closed" ] || fail "order ${qr5##*/} is $(sandbox_state "${qr5##*/}") at the sandbox after Cancel, want closed"

# --- 4. The local API while the window runs (docs/integration.md) -------------
# The CLI goes through the window's API instead of failing on the held file.
"$BIN" orders --sandbox --json 2>/dev/null | jq -e --arg no "${qr4##*/}" 'any(.[]; .out_trade_no == $no and .state == "paid")' >/dev/null \
  || fail "qfpos orders --json while the window runs: no paid ${qr4##*/}"
"$BIN" report --sandbox >/dev/null 2>&1 || fail "qfpos report while the window runs"
# A sale started with curl shows its QR in the window.
sock=$(sed -n 's/^qfpos: API on unix:\([^ ]*\) (bearer token in .*/\1/p' "$tmp/app.log" | head -1)
tokfile=$(sed -n 's/^qfpos: API on [^ ]* (bearer token in \(.*\))$/\1/p' "$tmp/app.log" | head -1)
[ -S "$sock" ] && [ -f "$tokfile" ] || fail "the window did not say where its API is: $(cat "$tmp/app.log")"
api() { curl -fsS --unix-socket "$sock" -H "Authorization: Bearer $(cat "$tokfile")" "$@"; }
id=$(api -H 'Idempotency-Key: e2e-api-1' -d '{"amount":"4.20","goods_name":"API"}' http://qfpos/v1/sales | jq -r .id)
qr6=$(wait_qr)
shot "$SHOTS/gui-qr_api.png"
[ "${qr6##*/}" = "$id" ] || fail "the window shows the QR of ${qr6##*/}, not of the API's sale $id"
curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=$id"
wait_result paid
[ "$(api "http://qfpos/v1/sales/$id" | jq -r .state)" = "paid" ] || fail "the API's sale $id is not paid"
log "a sale started with curl ($id) showed its QR in the window and was paid"
stop
[ "$(order_state "${qr4##*/}")" = "paid" ] || fail "order ${qr4##*/} is $(order_state "${qr4##*/}"), want paid"
[ "$(order_state "${qr5##*/}")" = "cancelled" ] || fail "order ${qr5##*/} is $(order_state "${qr5##*/}") after Cancel, want cancelled"
fi

# faults JSON — replaces the sandbox's faults ({} clears them).
faults() { curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' --data "$1" "$ctl/faults"; }

# --- 4. Network trouble: the QR dimmed after 30 s of failed checks --------------
if section 4; then
start
xdotool type --delay 60 "9"
xdotool key Return
qr6=$(wait_qr)
faults '{"query": [{"kind": "server_error", "times": 100000}], "close": [{"kind": "server_error", "times": 100000}]}'
sleep 33
shot "$SHOTS/gui-trouble.png"
# Dimmed means no phone reads it: zbarimg must not either.
[ -z "$(zbarimg -q --raw "$SHOTS/gui-trouble.png" 2>/dev/null)" ] || fail "the QR is still scannable after 30 s of network trouble"
faults '{}'
qr6b=$(wait_qr) # QFPay answers again: the veil lifts
[ "$qr6b" = "$qr6" ] || fail "another QR after the trouble: $qr6b"
xdotool key Escape
sleep 0.7
xdotool key Return
wait_result warning
stop
[ "$(order_state "${qr6##*/}")" = "cancelled" ] || fail "order ${qr6##*/} is $(order_state "${qr6##*/}"), want cancelled"
log "network trouble: QR dimmed, then live again, then cancelled"
fi

# --- 5. The customer display beside the cashier window; a refund, confirmed ------
if section 5; then
# A screen wide enough for both windows side by side.
kill "$xvfb_pid"; wait "$xvfb_pid" 2>/dev/null || true; xvfb_pid=""
xvfb_start "$DPY" 1700x660
prefs=$XDG_CONFIG_HOME/fyne/io.github.qfpos/preferences.json
mkdir -p "$(dirname "$prefs")" "$XDG_CONFIG_HOME/qfpos"
echo '{"customer_display": true}' >"$prefs"
echo 660x640 >"$XDG_CONFIG_HOME/qfpos/customer-display-size"
start
cw=$(xdotool search --name "customer display" | head -1)
[ -n "$cw" ] || fail "no customer display window"
xdotool windowmove "$cw" 1036 0
sleep 0.5
xdotool mousemove 500 300
xdotool type --delay 60 "38.50"
sleep 0.7
shot "$SHOTS/gui-customer-typing.png"
xdotool key Return
qr7=$(wait_qr)
sleep 1
shot "$SHOTS/gui-customer-display.png"
n=$(zbarimg -q --raw "$SHOTS/gui-customer-display.png" 2>/dev/null | grep -cF "$qr7" || true)
[ "$n" = 2 ] || fail "want the QR in both windows, zbarimg read it $n times"
curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=${qr7##*/}"
wait_result paid
xdotool key Return
sleep 0.5
xdotool windowsize "$cw" 700 600
sleep 1
stop
[ "$(cat "$XDG_CONFIG_HOME/qfpos/customer-display-size")" = 700x600 ] || fail "the customer display's size was not remembered: $(cat "$XDG_CONFIG_HOME/qfpos/customer-display-size")"
log "customer display: the amount as typed, the QR in both windows, its size remembered"
fi

# restart_xvfb WIDTHxHEIGHT — a fresh screen of that size on the same display.
restart_xvfb() {
  kill "$xvfb_pid"; wait "$xvfb_pid" 2>/dev/null || true; xvfb_pid=""
  xvfb_start "$DPY" "$1"
}

# pin — enters the staff PIN 2580, setting it first if none is set yet.
pin() {
  if grep -qs '^pin_hash = "\$argon2id' "$XDG_CONFIG_HOME/qfpos/config.toml"; then
    xdotool type --delay 60 "2580"; xdotool key Return
  else
    xdotool type --delay 60 "2580"; xdotool key Return; sleep 0.5
    xdotool type --delay 60 "2580"; xdotool key Return
  fi
  sleep 2
}

# sale AMOUNT — types AMOUNT, charges, the customer pays; back to the amount.
sale() {
  xdotool type --delay 60 "$1"
  xdotool key Return
  local qr
  qr=$(wait_qr)
  curl -fs -o /dev/null -X POST --data "action=pay" "$qr"
  wait_result paid
  echo "${qr##*/}"
}

# --- 6. A partial refund by touch: keypad, then a confirmation ------------------
if section 6; then
restart_xvfb "$SIZE"
mkdir -p "$XDG_CONFIG_HOME/fyne/io.github.qfpos"
echo '{"customer_display": false}' >"$XDG_CONFIG_HOME/fyne/io.github.qfpos/preferences.json"
start
no8=$(sale "38.50")
xdotool key Return
sleep 0.5
click 121 54 # History
sleep 1
click 300 178 # the newest order
sleep 1
click 710 241 # Refund
sleep 1
pin
for _ in 1 2 3 4 5; do click 676 463; done # backspace, on the form's keypad
click 348 405 # 1
click 512 463 # 0
click 547 512 # Refund
sleep 1
shot "$SHOTS/gui-refund-confirm.png"
# sandbox_refunds — the refunds the sandbox has had, as "txamt state" lines.
sandbox_refunds() { curl -fs "$ctl/orders" | jq -r '.orders[] | select(.order_type == "refund") | "\(.txamt) \(.state)"'; }
[ -z "$(sandbox_refunds)" ] || fail "the refund went before it was confirmed: $(sandbox_refunds)"
xdotool key Return # confirms
sleep 3
xdotool key Return # the refund's message
sleep 1
shot "$tmp/refunded.png"
[ "$(sandbox_refunds | cut -d' ' -f1)" = 1000 ] || fail "refunds at the sandbox: $(sandbox_refunds), want one of 1000 (HK\$10.00)"
stop
refunded=$("$BIN" orders --sandbox --json 2>/dev/null | jq --arg no "$no8" '[.[] | select(.out_trade_no == $no) | .refunds[]? | select(.state == "done") | .txamt] | add')
[ "$refunded" = 1000 ] || fail "order $no8: refunded $refunded in the order file, want 1000"
log "refund by touch: HK\$10.00 of HK\$38.50, confirmed"
fi

# --- 7. The kiosk walked as a customer: type, pay, back; staff left on History --
# and the idle reset draws the amount screen again (compared with the first).
if section 7; then
restart_xvfb "$SIZE"
start --kiosk
shot "$tmp/kiosk-empty.png"
# differing IMAGE — how many pixels IMAGE differs from the empty kiosk by.
differing() { compare -metric AE -fuzz 5% "$1" "$tmp/kiosk-empty.png" null: 2>&1 || true; }
no9=$(sale "15")
# The paid screen goes back to a clear amount screen by itself.
back=""
for _ in $(seq 50); do
  shot "$tmp/kiosk-now.png"
  [ "$(differing "$tmp/kiosk-now.png")" -lt 200 ] && { back=1; break; }
  sleep 0.3
done
[ -n "$back" ] || fail "the kiosk did not go back to the amount screen after the paid one"
click 985 54 # Staff
sleep 1
pin
click 512 297 # History
sleep 1.5
shot "$tmp/kiosk-history.png"
[ "$(differing "$tmp/kiosk-history.png")" -gt 5000 ] || fail "History did not open from the staff menu"
log "kiosk: $no9 paid; History open; waiting for the idle reset (a minute)"
reset=""
for _ in $(seq 45); do
  sleep 2
  shot "$tmp/kiosk-now.png"
  [ "$(differing "$tmp/kiosk-now.png")" -lt 200 ] && { reset=1; break; }
done
if [ -z "$reset" ]; then
  cp "$tmp/kiosk-now.png" "$SHOTS/gui-e2e-failed.png"
  fail "the idle reset was not drawn: the kiosk still shows another screen ($SHOTS/gui-e2e-failed.png)"
fi
stop
[ "$(order_state "$no9")" = "paid" ] || fail "order $no9 is $(order_state "$no9"), want paid"
log "kiosk: the idle reset drew the amount screen"
fi

# --- 4. The kiosk in English and Traditional Chinese: amount, QR, paid ----------
for lang in en zh-Hant; do
  start --language "$lang" --kiosk
  xdotool type --delay 60 "15"
  sleep 0.5
  shot "$SHOTS/gui-kiosk_$lang.png"
  xdotool key Return
  qr6=$(wait_qr)
  shot "$SHOTS/gui-qr_${lang}_kiosk.png"
  curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=${qr6##*/}"
  wait_result paid
  shot "$SHOTS/gui-paid_${lang}_kiosk.png"
  stop
done

log "OK — screenshots in $SHOTS"
