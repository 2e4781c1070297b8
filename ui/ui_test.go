package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/money"
)

// The window title names the mode in the cashier's language, and follows
// a change of language.
func TestTitleAndMode(t *testing.T) {
	sandbox := config.Defaults()
	live := config.Defaults()
	live.AppCode, live.ClientKey, live.BaseURL = "A", "K", "https://openapi-hk.qfapi.com"
	test2 := config.Defaults()
	test2.AppCode, test2.ClientKey, test2.BaseURL = "A", "K", "http://127.0.0.1:9999"
	for _, tt := range []struct {
		cfg   *config.Config
		lang  string
		title string
	}{
		{sandbox, "en", "qfpos — Sandbox"},
		{sandbox, "zh-Hans", "qfpos — 沙盒"},
		{live, "en", "qfpos — QFPay hk (live)"},
		{live, "zh-Hant", "qfpos — QFPay hk（正式）"},
		{test2, "en", "qfpos — QFPay http://127.0.0.1:9999 (test)"},
		{test2, "zh-Hans", "qfpos — QFPay http://127.0.0.1:9999（测试）"},
	} {
		g := &gui{cfg: tt.cfg, tr: newTranslator(tt.lang)}
		if got := g.title(); got != tt.title {
			t.Errorf("%s title = %q, want %q", tt.lang, got, tt.title)
		}
	}

	h := newHarness(t, opts{language: "zh-Hant"})
	if got := h.w.Title(); got != "qfpos — 沙盒" {
		t.Errorf("zh-Hant window title %q", got)
	}
	writeFile(t, h.cfg.Path, "language = \"zh-Hant\"\n")
	h.g.staffUntil = time.Now().Add(time.Minute)
	tapIn(t, h.g.nav.settings)
	h.g.settings.language.SetSelectedIndex(0) // English
	tapIn(t, h.g.settings.save)
	if got := h.w.Title(); got != "qfpos — Sandbox" {
		t.Errorf("window title after switching to English %q", got)
	}
}

// Every language has every key, with the same verbs, and every key the
// code uses exists.
func TestTranslationsComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[sd]`)
	en := translations["en"]
	for _, lang := range languages {
		m := translations[lang]
		for k, v := range en {
			tv, ok := m[k]
			if !ok {
				t.Errorf("%s: no %q", lang, k)
				continue
			}
			if !slices.Equal(verbs.FindAllString(v, -1), verbs.FindAllString(tv, -1)) {
				t.Errorf("%s: %q has verbs %q, English %q", lang, k, tv, v)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %q is not in English", lang, k)
			}
		}
	}
	files, _ := filepath.Glob("*.go")
	used := regexp.MustCompile(`\bT\("([a-z_.]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			if _, ok := en[m[1]]; !ok && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s uses %q, which en.json lacks", f, m[1])
			}
		}
	}
	if got := newTranslator("zh-Hant").T("qr.scan"); got != "請用微信掃碼支付" {
		t.Errorf("zh-Hant scan = %q", got)
	}
	if got := newTranslator("zh-Hans").T("qr.scan"); got != "请用微信扫码支付" {
		t.Errorf("zh-Hans scan = %q", got)
	}
	if got := newTranslator("xx").T("qr.scan"); got != "Scan with WeChat to pay" {
		t.Errorf("fallback = %q", got)
	}
}

func TestDisplayAmount(t *testing.T) {
	hkd, jpy := money.MustLookup("HKD"), money.MustLookup("JPY")
	for _, tt := range []struct {
		c    money.Currency
		in   string
		want string
	}{
		{hkd, "", "HK$0.00"},
		{hkd, "12.50", "HK$12.50"},
		{hkd, "12.", "HK$12."},
		{hkd, "1234.5", "HK$1,234.5"},
		{hkd, "1234567", "HK$1,234,567"},
		{jpy, "500", "¥500"},
		{jpy, "", "¥0"},
	} {
		if got := displayAmount(tt.c, tt.in); got != tt.want {
			t.Errorf("displayAmount(%s, %q) = %q, want %q", tt.c.Code, tt.in, got, tt.want)
		}
	}
}

// The keypad by touch: digits, one point, at most the currency's
// decimals, backspace, clear; Charge only for what the engine takes.
func TestAmountKeypad(t *testing.T) {
	h := newHarness(t, opts{})
	a := h.g.amount
	tap := func(keys ...string) {
		for _, k := range keys {
			tapIn(t, a.keys[k])
		}
	}
	if !a.charge.Disabled() || a.display.Text != "HK$0.00" || a.hint.Text != "Type the amount, then Charge." {
		t.Fatalf("empty: charge disabled %v, display %q, hint %q", a.charge.Disabled(), a.display.Text, a.hint.Text)
	}
	tap(keyDot, "5")
	if a.input != "0.5" || a.display.Text != "HK$0.5" || a.charge.Disabled() {
		t.Fatalf("input %q display %q", a.input, a.display.Text)
	}
	tap(keyDot, "0", "9") // second point and third decimal ignored
	if a.input != "0.50" || a.charge.Text != "Charge HK$0.50" {
		t.Fatalf("input %q charge %q", a.input, a.charge.Text)
	}
	tap(keyBack, keyBack, keyBack, keyBack)
	if a.input != "" || !a.charge.Disabled() {
		t.Fatalf("after backspaces: %q", a.input)
	}
	tap("0", "0", "7")
	if a.input != "7" {
		t.Fatalf("leading zeros: %q", a.input)
	}
	tap(keyClear, "0")
	if a.input != "0" || !a.charge.Disabled() || a.hint.Text != "The amount must be more than zero." {
		t.Fatalf("zero: %q %v %q", a.input, a.charge.Disabled(), a.hint.Text)
	}
	tap(keyClear, "1", "0", "0", "0", "0", "0", "0")
	if !a.charge.Disabled() || a.hint.Text != "Too large: the most is HK$100,000.00." {
		t.Fatalf("too large: %v %q", a.charge.Disabled(), a.hint.Text)
	}
	h.key(fyne.KeyEscape)
	if a.input != "" {
		t.Fatalf("Escape did not clear: %q", a.input)
	}
	h.typeAmount("4.2")
	h.key(fyne.KeyBackspace)
	if a.input != "4." {
		t.Fatalf("Backspace: %q", a.input)
	}
	// The item name takes the keyboard when focused; Enter in it charges.
	test.Type(a.item, "Oolong "+strings.Repeat("x", 80))
	if n := len([]rune(a.item.Text)); n != maxGoodsName {
		t.Errorf("item name is %d characters, want at most %d", n, maxGoodsName)
	}
	if a.input != "4." {
		t.Errorf("typing in the item changed the amount: %q", a.input)
	}
	a.item.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.g.screen != screenQR {
		t.Fatalf("Enter in the item name did not charge")
	}
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
	o, _ := h.st.Get(h.g.sale.OutTradeNo())
	if o.Amount != 400 || !strings.HasPrefix(o.GoodsName, "Oolong x") {
		t.Errorf("order: %d %q", o.Amount, o.GoodsName)
	}
}

// A currency without decimals has no point key and refuses one typed.
func TestAmountNoDecimals(t *testing.T) {
	h := newHarness(t, opts{currency: "JPY"})
	a := h.g.amount
	if a.keys[keyDot] != nil {
		t.Fatal("JPY has a point key")
	}
	h.typeAmount("5.00")
	if a.input != "500" || a.display.Text != "¥500" || a.charge.Text != "Charge ¥500" {
		t.Fatalf("input %q display %q charge %q", a.input, a.display.Text, a.charge.Text)
	}
}

func TestPINHash(t *testing.T) {
	h1, err := hashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPIN("2468")
	if h1 == h2 || !strings.HasPrefix(h1, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(h1, "2468") {
		t.Fatalf("hashes %q %q", h1, h2)
	}
	if ok, err := checkPIN(h1, "2468"); !ok || err != nil {
		t.Fatalf("right PIN: %v %v", ok, err)
	}
	if ok, _ := checkPIN(h1, "2469"); ok {
		t.Fatal("wrong PIN accepted")
	}
	if _, err := checkPIN("2468", "2468"); err == nil {
		t.Fatal("a plain PIN is taken as a hash")
	}
	for _, p := range []string{"123", "123456789", "12a4", ""} {
		if validPIN(p) {
			t.Errorf("validPIN(%q)", p)
		}
	}
}

// Every screen fits from 800×480 to 1920×1080 and in portrait: its
// minimum size fits the window, and the QR is the largest square there
// is room for, fully inside the window.
func TestScreensFitEverySize(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 800, Height: 480}, {Width: 1024, Height: 600}, {Width: 1920, Height: 1080}, {Width: 480, Height: 800}} {
		h := newHarness(t, opts{size: size, now: goldenNow})
		for _, name := range []string{screenAmount, screenHistory, screenSettings, screenResult, screenQR} {
			if name == screenQR {
				showGoldenQR(h)
			} else {
				h.g.show(name)
			}
			min := h.w.Content().MinSize()
			if min.Width > size.Width || min.Height > size.Height {
				t.Errorf("%v %s: needs %v", size, name, min)
			}
		}
		q := h.g.qr.qr
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(q)
		side := q.Size()
		if side.Width != side.Height || pos.X < 0 || pos.Y < 0 || pos.X+side.Width > size.Width+1 || pos.Y+side.Height > size.Height+1 {
			t.Errorf("%v: QR at %v size %v", size, pos, side)
		}
		// Largest square: within the body, the QR takes the full height
		// (landscape) or the full width (portrait) less the text's need.
		if size.Width > size.Height && side.Height < size.Height*0.7 || size.Width < size.Height && side.Width < size.Width*0.7 {
			t.Errorf("%v: QR only %v", size, side)
		}
		for k, b := range h.g.amount.keys {
			if b.Size().Height < 36 || b.Size().Width < 36 {
				t.Errorf("%v: key %s is %v, too small to touch", size, k, b.Size())
			}
		}
	}
}
