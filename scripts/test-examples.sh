#!/usr/bin/env bash
# Runs the integration examples (examples/kiosk.py, examples/kiosk.mjs)
# against `qfpos serve` in sandbox mode: each starts a sale through the
# local API, shows the qr event, pays through the sandbox's control API,
# sees paid and refunds. BIN is the qfpos binary (default bin/qfpos).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/qfpos}
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config XDG_RUNTIME_DIR=$tmp/run XDG_DATA_HOME=$tmp/data
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset QFPAY_APP_CODE QFPAY_CLIENT_KEY QFPOS_CONFIG QFPOS_API_LISTEN QFPOS_API_LAN_LISTEN
"$BIN" serve --sandbox 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do
  grep -q 'qfpos: serving' "$tmp/serve.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done
export QFPOS_API=$(sed -n 's/^qfpos: API on \(unix:[^ ]*\) (bearer token in \(.*\))$/\1/p' "$tmp/serve.log")
export QFPOS_TOKEN_FILE=$(sed -n 's/^qfpos: API on [^ ]* (bearer token in \(.*\))$/\1/p' "$tmp/serve.log")
export QFPOS_SANDBOX_URL=$(sed -n 's|^qfpos: sandbox control API on \(http://[^ ]*\)/sandbox/control .*|\1|p' "$tmp/serve.log")
if [ -z "$QFPOS_API" ] || [ -z "$QFPOS_TOKEN_FILE" ] || [ -z "$QFPOS_SANDBOX_URL" ]; then
  echo "test-examples: qfpos serve did not say where its API is:" >&2; cat "$tmp/serve.log" >&2; exit 1
fi
echo "test-examples: python3 examples/kiosk.py"
python3 examples/kiosk.py
echo "test-examples: node examples/kiosk.mjs"
node examples/kiosk.mjs
echo "test-examples: both examples paid and refunded"
