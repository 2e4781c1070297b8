#!/usr/bin/env bash
# test-platforms.sh (make test-platforms, run by CI after the Windows build and
# `make deb`): tries the packages rather than assuming them.
#  1. Windows: qfpos.exe under wine64 (a throwaway WINEPREFIX): --version, the
#     config package's Windows tests (paths, key-file ACL), and a whole sale,
#     `qfpos.exe pay 12.50 --json` against a standalone sandbox paid through its
#     control API, then `qfpos.exe orders --json` shows it paid and the order
#     file sits in %LocalAppData%\qfpos inside the prefix; Ctrl-C cancels a `pay` under way.
#  2. Debian: installs the .deb with dpkg -i (apt-get -f for its dependencies),
#     runs `qfpos --version` and the same sale with /usr/bin/qfpos.
# Wine here needs no display: these are console runs. Set SKIP_DEB=1 to skip 2.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=${LANG:-en_US.UTF-8}

VERSION=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
WIN_DIR=${WIN_DIR:-bin/windows}
LINUX_BIN=${LINUX_BIN:-bin/qfpos}
DEB=${DEB:-dist/qfpos_${VERSION}_$(dpkg --print-architecture).deb}
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64) # Debian's wine64 package has no /usr/bin/wine64
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver64)

log() { echo "test-platforms: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

tmp=$(mktemp -d)
sandbox_pid=""
export WINEPREFIX=$tmp/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko prompts
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  [ -d "$WINEPREFIX" ] && "$WINESERVER" -k 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_sandbox BIN: a standalone sandbox on a free loopback port; sets ctl and the QFPAY_* to use it.
start_sandbox() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  env -u QFPAY_BASE_URL -u QFPAY_APP_CODE -u QFPAY_CLIENT_KEY XDG_CONFIG_HOME="$tmp/sbx-config" "$1" sandbox --listen "127.0.0.1:$port" >"$tmp/sandbox.log" 2>&1 &
  sandbox_pid=$!
  ctl=http://127.0.0.1:$port/sandbox/control
  for _ in $(seq 100); do curl -fs "$ctl/orders" >/dev/null && break; sleep 0.1; done
  curl -fs "$ctl/orders" >/dev/null || { cat "$tmp/sandbox.log" >&2; fail "sandbox did not start"; }
  # The banner's settings are export lines meant to be pasted into a shell: so they are here.
  eval "$(grep -E '^export QFPAY_(BASE_URL|APP_CODE|CLIENT_KEY)=' "$tmp/sandbox.log" | tr -d '\r')"
  [ -n "$QFPAY_APP_CODE" ] && [ -n "$QFPAY_CLIENT_KEY" ] || fail "sandbox banner: no credentials"
}

# sale NAME CMD…: `CMD pay 12.50 --json` while the sandbox's control API pays the order it creates
# (as a customer would), then `CMD orders --json` must show it paid.
sale() {
  local name=$1 no="" pay_pid t0
  shift
  t0=$(date +%s)
  "$@" pay 12.50 --json >"$tmp/$name-pay.json" 2>"$tmp/$name-pay.err" &
  pay_pid=$!
  for _ in $(seq 600); do
    no=$(curl -fs "$ctl/orders" | jq -r '.orders[] | select(.state == "pending" and .txamt == 1250) | .out_trade_no' | head -1)
    [ -n "$no" ] && break
    kill -0 "$pay_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$no" ] || { cat "$tmp/$name-pay.err" >&2; fail "$name: pay created no order at the sandbox"; }
  curl -fs -o /dev/null -X POST "$ctl/pay?out_trade_no=$no" || fail "$name: control API pay"
  wait "$pay_pid" || { cat "$tmp/$name-pay.err" >&2; fail "$name: pay exited $?"; }
  # --json streams one object a line (qr, progress…); the result is the last.
  grep -q '"event":"qr"' "$tmp/$name-pay.json" || { cat "$tmp/$name-pay.json" >&2; fail "$name: pay printed no qr line"; }
  tail -n 1 "$tmp/$name-pay.json" | tr -d '\r' >"$tmp/$name-result.json"
  [ "$(jq -r .status "$tmp/$name-result.json")" = paid ] || { cat "$tmp/$name-pay.json" >&2; fail "$name: pay did not end paid"; }
  [ "$(jq -r .out_trade_no "$tmp/$name-result.json")" = "$no" ] || fail "$name: pay reported another order"
  "$@" orders --json >"$tmp/$name-orders.json" 2>"$tmp/$name-orders.err" || { cat "$tmp/$name-orders.err" >&2; fail "$name: orders"; }
  [ "$(jq -r --arg no "$no" '.[] | select(.out_trade_no == $no) | .state' "$tmp/$name-orders.json")" = paid ] ||
    { cat "$tmp/$name-orders.json" >&2; fail "$name: orders does not show $no paid"; }
  log "$name: sale $no paid and listed ($(($(date +%s) - t0)) s)"
}

# ctrl_c NAME CMD…: `CMD pay 3.00 --json`, then Ctrl-C (wine turns SIGINT into a console
# CTRL_C_EVENT, which Go delivers as os.Interrupt): the sale ends cancelled and closed at QFPay.
ctrl_c() {
  local name=$1 no="" pay_pid
  shift
  "$@" pay 3.00 --json >"$tmp/$name-int.json" 2>"$tmp/$name-int.err" &
  pay_pid=$!
  for _ in $(seq 600); do
    no=$(curl -fs "$ctl/orders" | jq -r '.orders[] | select(.state == "pending" and .txamt == 300) | .out_trade_no' | head -1)
    [ -n "$no" ] && break
    sleep 0.1
  done
  [ -n "$no" ] || { cat "$tmp/$name-int.err" >&2; fail "$name: pay created no order at the sandbox"; }
  sleep 1 # its handler is set before the order is created; let it reach the wait
  kill -INT "$pay_pid"
  wait "$pay_pid" && fail "$name: pay exited 0 after Ctrl-C" || true
  [ "$(tail -n 1 "$tmp/$name-int.json" | tr -d '\r' | jq -r .status)" = cancelled ] || { cat "$tmp/$name-int.json" "$tmp/$name-int.err" >&2; fail "$name: Ctrl-C did not cancel"; }
  [ "$(curl -fs "$ctl/orders" | jq -r --arg no "$no" '.orders[] | select(.out_trade_no == $no) | .state')" = closed ] ||
    fail "$name: the order is not closed at the sandbox after Ctrl-C"
  log "$name: Ctrl-C cancelled $no and closed it at QFPay"
}

# --- 1. Windows, under wine ---
[ -x "$WINE" ] || fail "no wine64 (scripts/deps.sh wine64)"
[ -f "$WIN_DIR/qfpos.exe" ] || fail "no $WIN_DIR/qfpos.exe (make windows)"
t0=$(date +%s)
"$WINE" wineboot -i >/dev/null 2>&1 || true
# Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Go's Windows runtime needs (Windows 10/11
# have it): a test double built from scripts/wine/bcryptprimitives.c goes into this prefix only.
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32
log "wine prefix ready ($(($(date +%s) - t0)) s)"

v=$("$WINE" "$WIN_DIR/qfpos.exe" --version | tr -d '\r')
[ "$v" = "qfpos $VERSION" ] || fail "qfpos.exe --version printed '$v', want 'qfpos $VERSION'"
v=$("$WINE" "$WIN_DIR/qfpos-cli.exe" --version | tr -d '\r')
[ "$v" = "qfpos $VERSION" ] || fail "qfpos-cli.exe --version printed '$v'"
log "windows: $v"

CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go test -c -o "$tmp/config.test.exe" ./config/
"$WINE" "$tmp/config.test.exe" -test.run Windows -test.v >"$tmp/config-test.log" 2>&1 ||
  { cat "$tmp/config-test.log" >&2; fail "config's Windows tests under wine"; }
log "windows: config tests: $(grep -c '^--- PASS' "$tmp/config-test.log") passed under wine"

start_sandbox "$LINUX_BIN"
sale windows "$WINE" "$WIN_DIR/qfpos.exe"
ctrl_c windows "$WINE" "$WIN_DIR/qfpos-cli.exe"
local_app=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData/Local 2>/dev/null | head -1)
[ -f "$local_app/qfpos/orders.db" ] || { find "$WINEPREFIX/drive_c/users" -name '*.db' >&2; fail "no order file in %LocalAppData%\\qfpos"; }
log "windows: order file at ${local_app#"$WINEPREFIX"/}/qfpos/orders.db"
kill "$sandbox_pid"; wait "$sandbox_pid" 2>/dev/null || true; sandbox_pid=""

# --- 2. The .deb, installed ---
if [ "${SKIP_DEB:-}" = 1 ]; then log "SKIP_DEB=1: .deb not tried"; exit 0; fi
[ -f "$DEB" ] || fail "no $DEB (make deb)"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo dpkg -i "$DEB" >/dev/null 2>&1 || { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get -f install -y -qq >/dev/null; }
dpkg-query -W -f='${Status} ${Version}\n' qfpos | grep -q "install ok installed $VERSION" || fail "the .deb did not install"
v=$(/usr/bin/qfpos --version)
[ "$v" = "qfpos $VERSION" ] || fail "installed qfpos --version printed '$v'"
for f in /usr/share/applications/io.github.qfpos.desktop /usr/share/icons/hicolor/512x512/apps/io.github.qfpos.png \
         /usr/share/qfpos/qfpos-kiosk.desktop /usr/lib/systemd/user/qfpos-kiosk.service; do
  [ -f "$f" ] || fail "the .deb did not install $f"
done
log "deb: $v installed"
export XDG_CONFIG_HOME=$tmp/deb-config XDG_DATA_HOME=$tmp/deb-data
start_sandbox /usr/bin/qfpos
sale deb /usr/bin/qfpos
[ -f "$XDG_DATA_HOME/qfpos/orders.db" ] || fail "deb: no order file in \$XDG_DATA_HOME/qfpos"
log "3 passed, 0 failed"
