#!/bin/sh
# run-headless.sh BIN ARGS... — what `make run` does without a display: runs
# BIN ARGS on a virtual X screen (xvfb-run), first saying so and how to see
# the window (a screenshot of that screen), or what to run instead.
set -eu
bin=$1
shift
exec xvfb-run -a -s "-screen 0 1280x800x24" sh -c '
cat >&2 <<EOF
run: no display (DISPLAY and WAYLAND_DISPLAY are unset): the cashier window runs on a
run: virtual screen, Xvfb $DISPLAY, that nothing shows. To see it:
run:   - run make run on a desktop, or over ssh -X (which sets DISPLAY); or
run:   - take a screenshot from another terminal while it runs (imagemagick):
run:       DISPLAY=$DISPLAY XAUTHORITY=$XAUTHORITY import -window root qfpos.png
run: Or use qfpos without a window:
run:   $1 pay 12.50 --sandbox       one sale, its QR drawn in the terminal
run:   $1 serve --sandbox           the local API, for a kiosk or a script
run: Ctrl-C stops it.
EOF
exec "$@"' sh "$bin" "$@"
