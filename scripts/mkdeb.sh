#!/usr/bin/env bash
# mkdeb.sh VERSION BINARY OUTDIR: builds qfpos_VERSION_ARCH.deb with dpkg-deb
# from the built binary: the program, its desktop entry and icon, and the
# kiosk autostart entry and systemd user unit under /usr/share/qfpos (not
# active until a person enables them: docs/platforms.md).
set -euo pipefail
version=$1 bin=$2 out=$3
cd "$(dirname "$0")/.."
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/qfpos"
install -D -m 0644 packaging/linux/qfpos.desktop "$root/usr/share/applications/io.github.qfpos.desktop"
install -D -m 0644 assets/icon.png "$root/usr/share/icons/hicolor/512x512/apps/io.github.qfpos.png"
install -D -m 0644 packaging/linux/qfpos-kiosk.desktop "$root/usr/share/qfpos/qfpos-kiosk.desktop"
install -D -m 0644 packaging/linux/qfpos-kiosk.service "$root/usr/lib/systemd/user/qfpos-kiosk.service"
install -D -m 0644 docs/platforms.md "$root/usr/share/doc/qfpos/platforms.md"
install -D -m 0644 README.md "$root/usr/share/doc/qfpos/README.md"
size=$(du -sk "$root/usr" | cut -f1)
mkdir -p "$root/DEBIAN"
# The binary links libc, libGL, libX11 and libwayland-client, and GLFW opens
# the other X11 libraries and libxkbcommon at run time;
# libgl1-mesa-dri gives software GL where there is no GPU driver, and
# fonts-noto-cjk the Chinese text of the customer screen.
cat >"$root/DEBIAN/control" <<CONTROL
Package: qfpos
Version: $version
Architecture: $arch
Maintainer: qfpos <qfpos@users.noreply.github.com>
Installed-Size: $size
Depends: libc6, libgl1, libgl1-mesa-dri, libx11-6, libwayland-client0, libxkbcommon0, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, fonts-noto-cjk
Section: misc
Priority: optional
Homepage: https://github.com/qfpos/qfpos
Description: QFPay WeChat Pay point of sale for counters and kiosks
 qfpos takes QFPay WeChat Pay QR payments: a cashier window (Fyne) and
 headless subcommands (pay, orders, reconcile, refund, report, export) with a
 built-in QFPay sandbox. An optional kiosk autostart is installed under
 /usr/share/qfpos and /usr/lib/systemd/user, inactive until enabled.
CONTROL
mkdir -p "$out"
deb="$out/qfpos_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb: $deb"
