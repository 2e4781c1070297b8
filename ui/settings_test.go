package ui

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/BurntSushi/toml"

	"github.com/qfpos/qfpos/config"
)

func setPINHash(t *testing.T, h *harness, pin string) {
	t.Helper()
	hash, err := hashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.PINHash = hash
}

// Settings open with the PIN only; wrong PINs are refused and five lock
// it for a while.
func TestSettingsNeedPIN(t *testing.T) {
	h := newHarness(t, opts{now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)})
	setPINHash(t, h, "2468")
	tapIn(t, h.g.nav.settings)
	if h.g.pin == nil || h.g.screen != screenAmount {
		t.Fatal("settings opened without the PIN")
	}
	h.pinType("1111")
	h.waitFor("wrong PIN", func() bool { return h.g.pin.msg.Text == "Wrong PIN." })
	for i := 0; i < 4; i++ {
		h.pinType("1111")
		h.waitFor("the answer", func() bool { return !h.g.pin.ok.Disabled() })
	}
	if h.g.pin.msg.Text != "Too many wrong PINs. Try again in 30 s." {
		t.Fatalf("after 5 wrong: %q", h.g.pin.msg.Text)
	}
	h.pinType("2468")
	h.drain()
	if h.g.screen == screenSettings {
		t.Fatal("the right PIN opened settings during the lock-out")
	}
	h.clock.Set(time.Date(2026, 11, 20, 10, 0, 31, 0, time.UTC))
	h.pinType("2468")
	h.waitFor("settings", func() bool { return h.g.screen == screenSettings })
	if h.g.pin != nil {
		t.Error("PIN dialog still open")
	}
}

// Enter while a PIN is being checked does nothing (holding Enter started
// one 64 MiB Argon2 run per key repeat), and a PIN of the wrong form is
// refused without hashing it or counting it as a wrong PIN.
func TestPINEnterWhileChecking(t *testing.T) {
	h := newHarness(t, opts{})
	setPINHash(t, h, "2468")
	h.g.requirePIN(func() {})
	p := h.g.pin
	enter := func() { p.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

	enter() // empty
	if p.busy || p.msg.Text != "A PIN is 4 to 8 digits." {
		t.Fatalf("empty PIN: busy %v, message %q", p.busy, p.msg.Text)
	}
	test.Type(p.entry, "1111")
	enter()
	if !p.busy || !p.ok.Disabled() {
		t.Fatal("no check running after Enter")
	}
	for i := 0; i < 5; i++ { // Enter held down: key repeats
		test.Type(p.entry, "13")
		enter()
	}
	h.waitFor("the answer", func() bool { return !p.busy })
	h.drain()
	if h.g.pinFailures != 1 || p.msg.Text != "Wrong PIN." {
		t.Fatalf("%d wrong PINs counted (want 1), message %q", h.g.pinFailures, p.msg.Text)
	}
}

// Settings save to the config file (the key never shown, never in
// plain in the screen), say what needs a restart, and apply the language
// and the merchant name at once.
func TestSettingsSave(t *testing.T) {
	h := newHarness(t, opts{})
	writeFile(t, h.cfg.Path, "merchant_name = \"Tea House\"\n")
	setPINHash(t, h, "2468")
	h.g.staffUntil = time.Now().Add(time.Minute) // PIN entered
	tapIn(t, h.g.nav.settings)
	s := h.g.settings
	if h.g.screen != screenSettings || s.env.Selected != "sandbox" || s.merchant.Text != "Tea House" || s.currency.Selected != "HKD" {
		t.Fatalf("loaded: %s %q %q %q", h.g.screen, s.env.Selected, s.merchant.Text, s.currency.Selected)
	}

	// Credentials for QFPay's HK test environment.
	s.env.SetSelected("hk-test")
	test.Type(s.appCode, "APPCODE1")
	tapIn(t, s.save)
	if s.msg.Text != "QFPay needs both the app code and the client key." {
		t.Fatalf("without key: %q", s.msg.Text)
	}
	test.Type(s.clientKey, "SECRETKEY123")
	s.merchant.SetText("Lucky Tea")
	s.expiry.SetSelectedIndex(2) // 15 minutes
	tapIn(t, s.save)
	s = h.g.settings // rebuilt for the merchant name
	if !strings.Contains(s.msg.Text, "Saved to ") || !strings.Contains(s.msg.Text, "Restart qfpos") {
		t.Fatalf("message = %q", s.msg.Text)
	}
	if s.clientKey.Text != "" || !strings.HasPrefix(s.clientKey.PlaceHolder, "••••") {
		t.Fatalf("key field %q / %q", s.clientKey.Text, s.clientKey.PlaceHolder)
	}
	fc, err := config.Load(config.Options{Path: h.cfg.Path, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if fc.AppCode != "APPCODE1" || fc.ClientKey.Reveal() != "SECRETKEY123" || fc.Mode() != "hk-test" ||
		fc.MerchantName != "Lucky Tea" || fc.QRExpiry != 15*time.Minute {
		t.Fatalf("file config = %+v", fc)
	}
	// Another account gets an order file of its own (the sandbox's would
	// refuse it: the file's identity).
	if want := accountDB("https://test-openapi-hk.qfapi.com", "APPCODE1"); fc.DB != want || filepath.Base(want) != "orders-hk-test-APPCODE1.db" {
		t.Errorf("order file %q, want %q", fc.DB, want)
	}
	if fi, _ := os.Stat(h.cfg.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v", fi.Mode())
	}
	// The running app keeps its engine (sandbox) until a restart, but
	// shows the new merchant name at once.
	if !h.cfg.Sandbox() || h.cfg.MerchantName != "Lucky Tea" || h.g.qr.merchant.Text != "Lucky Tea" {
		t.Errorf("running config: sandbox %v, merchant %q", h.cfg.Sandbox(), h.cfg.MerchantName)
	}

	// Language: applies at once, everywhere.
	s.language.SetSelectedIndex(1) // 繁體中文
	tapIn(t, s.save)
	if h.g.nav.sale.Text != "收款" || h.g.qr.scan.Text != "請用微信掃碼支付" || !strings.HasPrefix(h.g.settings.msg.Text, "已儲存至") {
		t.Fatalf("after zh-Hant: nav %q, scan %q, msg %q", h.g.nav.sale.Text, h.g.qr.scan.Text, h.g.settings.msg.Text)
	}
	fc, _ = config.Load(config.Options{Path: h.cfg.Path, LookupEnv: func(string) (string, bool) { return "", false }})
	if fc.Language != "zh-Hant" || fc.ClientKey.Reveal() != "SECRETKEY123" {
		t.Fatalf("language %q, key kept %v", fc.Language, fc.ClientKey.Reveal() == "SECRETKEY123")
	}

	// Back to the sandbox clears the credentials from the file.
	s = h.g.settings
	if s.env.Options[0] != "沙盒（練習）" {
		t.Errorf("the sandbox choice in Chinese: %q", s.env.Options[0])
	}
	s.env.SetSelectedIndex(0) // the sandbox, in the screen's language
	tapIn(t, s.save)
	fc, _ = config.Load(config.Options{Path: h.cfg.Path, LookupEnv: func(string) (string, bool) { return "", false }})
	if !fc.Sandbox() || fc.DB != config.DefaultDB(true) {
		t.Fatalf("credentials left: %q, order file %q", fc.AppCode, fc.DB)
	}
}

// Settings show the config file alone and write only what the user
// changed: values from the environment or flags (merchant name, kiosk,
// currency, expiry, language here) are neither shown nor copied into the
// file.
func TestSettingsKeepEnvironmentOutOfFile(t *testing.T) {
	h := newHarness(t, opts{})
	writeFile(t, h.cfg.Path, "merchant_name = \"From File\"\ncurrency = \"SGD\"\n")
	// The running configuration, as QFPOS_MERCHANT_NAME, --kiosk,
	// QFPOS_CURRENCY, QFPOS_QR_EXPIRY and QFPOS_LANGUAGE made it.
	h.cfg.MerchantName, h.cfg.Kiosk, h.cfg.Currency, h.cfg.QRExpiry, h.cfg.Language = "From Env", true, "JPY", 30*time.Minute, "zh-Hant"
	h.g.staffUntil = time.Now().Add(time.Minute)
	tapIn(t, h.g.nav.settings)
	s := h.g.settings
	if got := s.form(); got != (settingsForm{env: "sandbox", merchant: "From File", currency: "SGD", language: "en", expiry: 5 * time.Minute}) {
		t.Fatalf("form = %+v, want the file's values", got)
	}
	fileIs := func(want map[string]any) {
		t.Helper()
		got := map[string]any{}
		if _, err := toml.DecodeFile(h.cfg.Path, &got); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			data, _ := os.ReadFile(h.cfg.Path)
			t.Fatalf("file has %v, want %v:\n%s", got, want, data)
		}
	}

	s.expiry.SetSelectedIndex(2) // 15 minutes
	tapIn(t, s.save)
	fileIs(map[string]any{"merchant_name": "From File", "currency": "SGD", "qr_expiry": "15m0s"})
	if !strings.Contains(s.msg.Text, "Restart qfpos") {
		t.Errorf("message = %q", s.msg.Text)
	}

	s.merchant.SetText("Lucky Tea")
	tapIn(t, s.save)
	fileIs(map[string]any{"merchant_name": "Lucky Tea", "currency": "SGD", "qr_expiry": "15m0s"})
	if h.cfg.MerchantName != "Lucky Tea" || h.cfg.Language != "zh-Hant" || !h.cfg.Kiosk {
		t.Errorf("running config: merchant %q, language %q, kiosk %v", h.cfg.MerchantName, h.cfg.Language, h.cfg.Kiosk)
	}

	// A change undone before saving is no change; a setting changed back
	// to the default leaves the file.
	s = h.g.settings
	s.kiosk.SetChecked(true)
	s.kiosk.SetChecked(false)
	s.expiry.SetSelectedIndex(0)
	tapIn(t, s.save)
	fileIs(map[string]any{"merchant_name": "Lucky Tea", "currency": "SGD"})
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Kiosk: staff button only, closing needs the PIN, idle goes back to a
// clear amount screen.
func TestKiosk(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	h := newHarness(t, opts{kiosk: true, now: start})
	setPINHash(t, h, "2468")
	n := h.g.nav
	if n.staff == nil || n.history != nil || n.settings != nil || n.customer != nil {
		t.Fatal("kiosk shows the cashier's navigation")
	}
	if !h.w.FullScreen() {
		t.Error("kiosk not full screen")
	}
	h.g.closeRequested()
	if h.g.pin == nil {
		t.Fatal("closing the kiosk asked no PIN")
	}
	tapIn(t, h.g.pin.cancel)
	h.drain()
	if h.quits.Load() != 0 {
		t.Fatal("the kiosk quit without the PIN")
	}

	h.typeAmount("42")
	h.clock.Set(start.Add(2 * time.Minute))
	h.g.checkIdle()
	if h.g.amount.input != "" {
		t.Fatalf("idle kiosk kept %q", h.g.amount.input)
	}

	tapIn(t, n.staff)
	h.pinType("2468")
	h.waitFor("the staff menu", func() bool { return h.g.pin == nil && h.g.lastMsg != nil && h.g.lastMsg.title == "Staff" })
	h.g.show(screenHistory)
	h.clock.Set(start.Add(5 * time.Minute))
	h.g.checkIdle()
	if h.g.screen != screenAmount {
		t.Fatalf("idle staff screen stays: %s", h.g.screen)
	}

	// Back with the customers, the staff session is over.
	tapIn(t, n.staff)
	if h.g.pin == nil {
		t.Fatal("the staff menu opened without the PIN after the kiosk went back to customers")
	}
	tapIn(t, h.g.pin.cancel)

	// The idle timeout closes every dialog, not only messages: here the
	// CSV file chooser and a form, left open on a staff screen.
	h.g.show(screenHistory)
	h.g.history.askExport()
	h.g.custom("form", widget.NewLabel("left open"))
	if len(h.g.open) != 2 {
		t.Fatalf("%d dialogs tracked, want 2", len(h.g.open))
	}
	h.clock.Set(start.Add(10 * time.Minute))
	h.g.checkIdle()
	if len(h.g.open) != 0 || h.g.screen != screenAmount {
		t.Errorf("after idle: %d dialogs open on %s", len(h.g.open), h.g.screen)
	}

	// Closing with the PIN quits: a wrong PIN does not, the right one does.
	h.g.closeRequested()
	h.pinType("1357")
	h.waitFor("wrong PIN", func() bool { return h.g.pin.msg.Text == "Wrong PIN." })
	if h.quits.Load() != 0 {
		t.Fatal("a wrong PIN quit the kiosk")
	}
	h.pinType("2468")
	h.waitFor("the kiosk to quit", func() bool { return h.quits.Load() == 1 })
	if h.g.pin != nil {
		t.Error("the PIN dialog stays open")
	}
}

// The customer display follows the sale: QR, then result, then welcome.
func TestCustomerDisplay(t *testing.T) {
	h := newHarness(t, opts{})
	test.Tap(h.g.nav.customer)
	c := h.g.customer
	if c == nil || c.screen != screenAmount {
		t.Fatal("no customer display")
	}
	h.typeAmount("15")
	o := h.chargeAndWaitQR()
	if c.screen != screenQR || c.qr.qr.content != o.QRCode || c.qr.cancel.Visible() {
		t.Fatalf("customer display: %s %q cancel %v", c.screen, c.qr.qr.content, c.qr.cancel.Visible())
	}
	if got := decodeQR(t, c.win.Canvas().Capture()); got != o.QRCode {
		t.Fatalf("customer QR = %q", got)
	}
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	if c.screen != screenResult || c.result.title.Text != "Done — thank you" { // the customer's words
		t.Fatalf("customer result: %s %q", c.screen, c.result.title.Text)
	}
	tapIn(t, h.g.result.done)
	if c.screen != screenAmount {
		t.Fatalf("customer display after the sale: %s", c.screen)
	}
	if !h.g.app.Preferences().Bool(prefCustomerDisplay) {
		t.Error("customer display not remembered")
	}
	h.g.setCustomerDisplay(false)
	if h.g.customer != nil || h.g.nav.customer.Checked {
		t.Error("customer display still on")
	}
}

func TestSettableCurrencies(t *testing.T) {
	for _, tt := range []struct {
		current string
		has     map[string]bool
	}{
		{"HKD", map[string]bool{"HKD": true, "JPY": true, "IDR": false, "MMK": false}},
		{"IDR", map[string]bool{"HKD": true, "IDR": true, "MMK": false}},
	} {
		got := settableCurrencies(tt.current)
		for c, want := range tt.has {
			if slices.Contains(got, c) != want {
				t.Errorf("current %s: %s offered = %v, want %v", tt.current, c, !want, want)
			}
		}
	}
}

// Leaving IDR for a currency whose decimals are agreed drops
// currency_exponent, which the next start would refuse.
func TestSettingsCurrencyExponentFollowsTheCurrency(t *testing.T) {
	h := newHarness(t, opts{})
	writeFile(t, h.cfg.Path, "currency = \"IDR\"\ncurrency_exponent = 2\n")
	h.cfg.Currency = "IDR"
	h.g.staffUntil = time.Now().Add(time.Minute)
	tapIn(t, h.g.nav.settings)
	s := h.g.settings
	if s.currency.Selected != "IDR" {
		t.Fatalf("currency shown %q", s.currency.Selected)
	}
	s.currency.SetSelected("HKD")
	tapIn(t, s.save)
	fc, err := config.Load(config.Options{Path: h.cfg.Path, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("the next start is refused: %v", err)
	}
	if fc.Currency != "HKD" || fc.CurrencyExponent != -1 {
		t.Errorf("currency %q exponent %d", fc.Currency, fc.CurrencyExponent)
	}
}
