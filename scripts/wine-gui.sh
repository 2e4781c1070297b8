#!/usr/bin/env bash
# wine-gui.sh (make windows-shots): the Windows window, tried under wine64 and
# Xvfb: starts bin/windows/qfpos.exe --sandbox, types 12.50 on the keypad,
# charges, decodes the QR on screen with zbarimg, pays it through the sandbox's
# control API and waits for the paid screen. Screenshots of the three screens go
# to docs/screenshots/windows-{sale,qr,paid}.png (SHOTS=dir to put them elsewhere).
# Not part of CI: wine's first start and software GL take tens of seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
EXE=${EXE:-bin/windows/qfpos.exe}
SHOTS=${SHOTS:-docs/screenshots}
DPY=${DPY:-:87}
PORT=${PORT:-18777}
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
LIB_NAME=wine-gui
# shellcheck source=scripts/lib-xvfb.sh
. "$(dirname "$0")/lib-xvfb.sh"
export WINEPREFIX=$tmp/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

"$WINE" wineboot -i >/dev/null 2>&1 || true
# Wine 8 lacks bcryptprimitives.dll, which Go needs: see scripts/test-platforms.sh.
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32
xvfb_start "$DPY" 1280x800x24
mkdir -p "$SHOTS"
ctl=http://127.0.0.1:$PORT/sandbox/control

"$WINE" "$EXE" --sandbox --sandbox-listen "127.0.0.1:$PORT" >"$tmp/app.log" 2>&1 &
app_pid=$!
timeout 120 xdotool search --sync --onlyvisible --name "^qfpos" >/dev/null || fail "no window under wine"
for _ in $(seq 200); do curl -fs "$ctl/orders" >/dev/null && break; sleep 0.1; done
sleep 3
# The window sits at the top left, 1024x640, no window manager: keypad buttons by position.
geom=$(xdotool search --onlyvisible --name "^qfpos" getwindowgeometry | sed -n 's/.*Position: \([0-9]*\),\([0-9]*\).*/\1 \2/p' | head -1)
read -r wx wy <<<"${geom:-0 0}"
click() { xdotool mousemove $((wx + $1)) $((wy + $2)); sleep 0.4; xdotool click 1; sleep 0.4; }
crop() { import -window root "$tmp/shot.png"; convert "$tmp/shot.png" -crop "1026x642+$((wx - 1))+$((wy - 1))" +repage "$1"; }
crop "$SHOTS/windows-sale.png"
click 596 426; click 764 426; click 596 565; click 764 288; click 764 565 # 1 2 . 5 0
click 258 605                                                             # Charge
sleep 6
crop "$SHOTS/windows-qr.png"
qr=$(zbarimg -q --raw "$SHOTS/windows-qr.png" 2>/dev/null | head -1 || true)
[ -n "$qr" ] || fail "no QR decoded from the window"
log "QR on screen: $qr"
curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=${qr##*/}" || fail "control API pay"
sleep 5
crop "$SHOTS/windows-paid.png"
state=$(curl -fs "$ctl/orders" | jq -r --arg no "${qr##*/}" '.orders[] | select(.out_trade_no == $no) | .state')
[ "$state" = paid ] || fail "sandbox says $state"
log "paid; screenshots in $SHOTS/windows-{sale,qr,paid}.png"
