# shellcheck shell=bash
# Shared by scripts/e2e.sh, scripts/gui-measure.sh and
# scripts/shutdown-cycles.sh, which source it:
# a temporary folder ($tmp) holding private XDG folders (config, data,
# cache, runtime) so the real ones are never touched, no QFPay settings
# from the environment, a private Xvfb display (xvfb_start), and a cleanup
# on exit that stops qfpos ($app_pid) and Xvfb and removes $tmp.
# Set LIB_NAME before sourcing: it prefixes log and fail messages.

LIB_NAME=${LIB_NAME:-xvfb}
export LANG=en_US.UTF-8

tmp=$(mktemp -d)
xvfb_pid=""
app_pid=""
xvfb_cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap xvfb_cleanup EXIT

log() { echo "$LIB_NAME: $*" >&2; }
# fail MESSAGE — says what failed, with qfpos's log, and exits.
fail() {
  echo "$LIB_NAME: FAIL: $*" >&2
  if [ -f "$tmp/app.log" ]; then sed 's/^/  app: /' "$tmp/app.log" >&2; fi
  exit 1
}

export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# No QFPay credentials nor qfpos settings from the caller's environment.
for v in $(compgen -e); do
  case $v in QFPAY_* | QFPOS_*) unset "$v" ;; esac
done

# xvfb_start DISPLAY WIDTHxHEIGHT — starts Xvfb there and waits for it;
# fails if the display is taken, or Xvfb exits or never answers.
xvfb_start() {
  if DISPLAY=$1 xdpyinfo >/dev/null 2>&1; then
    fail "display $1 is taken by another X server (set E2E_DISPLAY)"
  fi
  Xvfb "$1" -screen 0 "${2}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
  xvfb_pid=$!
  export DISPLAY=$1
  for _ in $(seq 100); do
    kill -0 "$xvfb_pid" 2>/dev/null || break
    xdpyinfo >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  sed 's/^/  Xvfb: /' "$tmp/xvfb.log" >&2
  fail "Xvfb did not start on $1"
}

# now — the time in seconds, with microseconds; since T0 — seconds since
# T0. Both without forking date (bash's EPOCHREALTIME).
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}'; }

# wait_window NAME SECONDS [PID] — waits for a window whose title matches
# NAME to be mapped (visible, not just created), polling every 10 ms
# (xdotool's own --sync polls every 0.5 s and also finds unmapped
# windows); prints its id. Fails after SECONDS, or at once if PID exits.
# One xdotool per poll and nothing else forked.
wait_window() {
  local id="" end=$((${EPOCHREALTIME/./} + $2 * 1000000))
  while :; do
    id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null) || true
    [ -n "$id" ] && { echo "${id%%$'\n'*}"; return 0; }
    [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
    [ "${EPOCHREALTIME/./}" -gt "$end" ] && return 1
    sleep 0.01
  done
}
