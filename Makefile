# qfpos — see README.md. `make run` and `make test` work on a fresh Debian machine
# that has Go: the Debian packages the cgo GLFW build needs are installed when missing.

GO      ?= go
TAGS    ?= migrated_fynedo,no_emoji
BIN     ?= bin/qfpos
# Fyne needs a well-formed locale; keep the user's unless it is unset, C or POSIX.
ifeq ($(filter-out C POSIX C.UTF-8,$(LANG)),)
export LANG := en_US.UTF-8
endif
export CGO_ENABLED = 1

# What the cgo GLFW build (X11 and Wayland) needs, and what a real window needs to run.
DEB_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
DEB_RUN   := libgl1-mesa-dri fonts-noto-cjk
# What the end-to-end test under Xvfb needs.
DEB_E2E   := xvfb xauth x11-utils xdotool imagemagick zbar-tools
# What the receipt and spoken-amount tests need: espeak-ng speaks, sox measures
# the speech, Noto CJK draws raster receipts (their tests fail in CI without them).
DEB_TEST  := espeak-ng sox fonts-noto-cjk
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# The version, written once in FyneApp.toml; the binaries read it from there too (version.go).
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
# The Windows cross-build (cgo with mingw-w64), and what packages and tries it (docs/platforms.md).
DEB_WINDOWS := gcc-mingw-w64-x86-64 zip
DEB_PLATFORMS := wine64 curl jq
WIN_ENV := GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc
WIN_DIR := bin/windows

.PHONY: all deps deps-run deps-e2e build run test test-examples test-short test-zones soak soak-short bench lint package e2e clean \
        windows windows-zip windows-installer windows-shots deb test-platforms

all: build

deps:
	@scripts/deps.sh $(DEB_BUILD)

deps-run: deps
	@scripts/deps.sh $(DEB_RUN)

deps-e2e: deps-run
	@scripts/deps.sh $(DEB_E2E)

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN) .

# Starts the cashier window against the built-in sandbox. Without a display
# (a server, an SSH session) it runs under Xvfb and says how to see it (a
# screenshot) or what to run instead (scripts/run-headless.sh).
run: build deps-run
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  ./$(BIN) --sandbox $(ARGS); \
	else \
	  scripts/deps.sh xvfb xauth; \
	  scripts/run-headless.sh ./$(BIN) --sandbox $(ARGS); \
	fi

test: deps
	@scripts/deps.sh $(DEB_TEST)
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -race -tags $(TAGS) ./...

# Unit tests of the packages below the GUI only: no cgo, seconds.
test-short:
	CGO_ENABLED=0 $(GO) test -short ./money/ ./config/ ./payment/... ./store/ ./checkout/ ./cli/

# The packages that read or write times, under machine zones on both sides
# of QFPay's UTC+8 (UTC-8/-7 and UTC+14): nothing may depend on TZ or the hour.
ZONE_PKGS := ./money/ ./config/ ./payment/... ./store/ ./checkout/ ./cli/
test-zones:
	for tz in America/Los_Angeles Pacific/Kiritimati; do \
	  echo "test-zones: TZ=$$tz"; TZ=$$tz CGO_ENABLED=0 $(GO) test -count=1 $(ZONE_PKGS) || exit 1; \
	done

# The soak (docs/reliability.md): 2,000 in-process sandbox sales under random faults on virtual
# clocks, and 50 real `qfpos pay` processes (bin/qfpos) killed with SIGKILL, then reconcile.
# A random seed unless SEED=n; it ends with one summary line and exits 1 on any false paid, lost
# payment, out_trade_no sent twice or QR left payable. SOAK_ARGS adds flags (-sales, -crashes, -v).
soak: build
	CGO_ENABLED=0 $(GO) build -o bin/soak ./internal/soak
	bin/soak -bin $(BIN) $(if $(SEED),-seed $(SEED)) $(SOAK_ARGS)

# The short fixed-seed soak CI runs (~20 s): 200 sales, 5 crashes of the soak binary itself as qfpos.
soak-short:
	CGO_ENABLED=0 $(GO) build -o bin/soak ./internal/soak
	bin/soak -seed 20261201 -sales 200 -workers 6 -crashes 5 -lanes 1 $(SOAK_ARGS)

# The integration examples (examples/kiosk.py, examples/kiosk.mjs, docs/integration.md), each a sale
# through the local API of `qfpos serve --sandbox`: qr event, paid via the sandbox, refund.
test-examples: build
	@scripts/deps.sh python3 nodejs
	BIN=$(BIN) scripts/test-examples.sh

# Figures recorded in docs/benchmarks.md: the benchmarks of exactly the packages that have some,
# then every figure they report (ns/op, B/op, allocs/op, each b.ReportMetric unit) in one table
# (scripts/bench.sh, scripts/bench-table.sh). BENCH=regexp picks benchmarks, COUNT=n repeats them
# (the table gives median and spread). The store's 10^6-order file is built once (~50 s on a busy
# 2-core machine, 20 s of CPU; 620 MB in the temp dir) and reused, never rewritten: delete
# /tmp/qfpos-store-bench-* to free the space.
bench: deps
	GO=$(GO) TAGS=$(TAGS) scripts/bench.sh

lint: deps
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

# A Linux .tar.xz (binary, .desktop entry, icon) with the pinned Fyne packaging tool.
package: deps
	cd tools && $(GO) build -o bin/fyne fyne.io/tools/cmd/fyne
	@cp FyneApp.toml .FyneApp.toml.keep   # the tool bumps Build in place; keep the file as committed
	tools/bin/fyne package --target linux --release --tags $(TAGS); s=$$?; mv -f .FyneApp.toml.keep FyneApp.toml; exit $$s
	@mkdir -p dist && mv -f qfpos.tar.xz dist/ && echo "package: dist/qfpos.tar.xz"

# The real window under Xvfb (scripts/e2e.sh): types an amount with xdotool, charges, reads the QR
# off a screenshot with zbarimg, pays it through the sandbox, checks the paid screen and the order
# file, and leaves screenshots of each screen in docs/screenshots (SHOTS=dir to put them elsewhere);
# then network trouble, the customer display, a refund by touch, and the kiosk as a customer up to
# its idle reset (a minute). E2E_FROM=N runs from section N of the script.
e2e: build deps-e2e
	@scripts/deps.sh curl jq
	scripts/e2e.sh

# qfpos.exe (GUI subsystem: no console window; its subcommands print to the parent's console) and
# qfpos-cli.exe (console subsystem, for terminals), with the icon, manifest and version info in a
# .syso resource made by the pinned go-winres. See docs/platforms.md.
windows:
	@scripts/deps.sh $(DEB_WINDOWS)
	cd tools && $(GO) build -o bin/go-winres github.com/tc-hib/go-winres
	tools/bin/go-winres simply --arch amd64 --manifest gui --icon assets/icon.png \
	  --product-name qfpos --file-description "qfpos: QFPay WeChat Pay point of sale" \
	  --product-version $(VERSION) --file-version $(VERSION) --copyright "qfpos authors" --out rsrc
	$(WIN_ENV) $(GO) build -tags $(TAGS) -ldflags "-s -w -H windowsgui" -o $(WIN_DIR)/qfpos.exe .
	$(WIN_ENV) $(GO) build -tags $(TAGS) -ldflags "-s -w" -o $(WIN_DIR)/qfpos-cli.exe .
	sed 's/$$/\r/' packaging/windows/README.txt >$(WIN_DIR)/README.txt
	@echo "windows: $(WIN_DIR)/qfpos.exe $(WIN_DIR)/qfpos-cli.exe ($(VERSION))"

windows-zip: windows
	@mkdir -p dist && rm -f dist/qfpos-$(VERSION)-windows-amd64.zip
	cd $(WIN_DIR) && zip -q -9 ../../dist/qfpos-$(VERSION)-windows-amd64.zip qfpos.exe qfpos-cli.exe README.txt
	@echo "windows-zip: dist/qfpos-$(VERSION)-windows-amd64.zip"

windows-installer: windows
	@scripts/deps.sh nsis
	@mkdir -p dist
	makensis -V2 -DVERSION=$(VERSION) -DSRC=../../$(WIN_DIR) -DOUT=../../dist/qfpos-$(VERSION)-setup.exe packaging/windows/qfpos.nsi
	@echo "windows-installer: dist/qfpos-$(VERSION)-setup.exe"

# A Debian package of the Linux build (scripts/mkdeb.sh).
deb: build
	scripts/mkdeb.sh $(VERSION) $(BIN) dist

# CI: the Windows build under wine (a whole sandbox sale) and the .deb installed with dpkg
# (scripts/test-platforms.sh). The first Windows build compiles Fyne's cgo with mingw: minutes.
test-platforms: windows deb
	@scripts/deps.sh $(DEB_PLATFORMS)
	scripts/test-platforms.sh

# The Windows window under wine64 and Xvfb, screenshots in docs/screenshots/windows-*.png (scripts/wine-gui.sh).
windows-shots: windows
	@scripts/deps.sh $(DEB_PLATFORMS) $(DEB_E2E)
	scripts/wine-gui.sh

clean:
	rm -rf bin dist tools/bin rsrc_windows_amd64.syso
