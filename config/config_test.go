package config_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/payment"
)

const key = "0123456789ABCDEF0123456789ABCDEF"

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreSandbox(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	c, err := config.Load(config.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sandbox() || c.Mode() != "sandbox" || c.Live() {
		t.Errorf("no credentials: Sandbox=%v Mode=%q Live=%v", c.Sandbox(), c.Mode(), c.Live())
	}
	if c.Currency != "HKD" || c.SignType != payment.SignMD5 || c.QRExpiry != 5*time.Minute {
		t.Errorf("defaults = %+v", c)
	}
	if !strings.HasSuffix(c.DB, filepath.Join("qfpos", "sandbox-orders.db")) {
		t.Errorf("sandbox DB = %q", c.DB)
	}
}

func TestLayering(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	path := writeFile(t, `
currency = "JPY"
merchant_name = "From file"
qr_expiry = "10m"
kiosk = true
`, 0o644)
	c, err := config.Load(config.Options{
		Path: path,
		LookupEnv: env(map[string]string{
			"QFPOS_MERCHANT_NAME": "From env",
			"QFPOS_CURRENCY":      "CNY",
			"QFPAY_APP_CODE":      "APPCODE",
			"QFPAY_CLIENT_KEY":    key,
			"QFPAY_BASE_URL":      "hk-test",
			"QFPAY_SIGN_TYPE":     "sha256",
		}),
		Flags: map[string]string{"currency": "USD", "db": "/tmp/x.db"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Currency": "USD", "MerchantName": "From env", "QRExpiry": 10 * time.Minute, "Kiosk": true,
		"BaseURL": "https://test-openapi-hk.qfapi.com", "SignType": payment.SignSHA256, "DB": "/tmp/x.db",
		"Mode": "hk-test", "Sandbox": false, "Live": true,
	}
	got := map[string]any{
		"Currency": c.Currency, "MerchantName": c.MerchantName, "QRExpiry": c.QRExpiry, "Kiosk": c.Kiosk,
		"BaseURL": c.BaseURL, "SignType": c.SignType, "DB": c.DB, "Mode": c.Mode(), "Sandbox": c.Sandbox(), "Live": c.Live(),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

// TestQFPayZone: QFPay's zone is the region's UTC+8 (never the machine's
// or the merchant's), unless qfpay_timezone says otherwise.
func TestQFPayZone(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		env    map[string]string
		offset int
	}{
		{"sandbox", map[string]string{"QFPOS_TIMEZONE": "America/Los_Angeles"}, 8 * 3600},
		{"hk", map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": key, "QFPAY_BASE_URL": "hk", "QFPOS_TIMEZONE": "Pacific/Kiritimati"}, 8 * 3600},
		{"own URL", map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": key, "QFPAY_BASE_URL": "https://pay.example.com"}, 8 * 3600},
		{"set", map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": key, "QFPAY_BASE_URL": "jp", "QFPAY_TIMEZONE": "Asia/Tokyo"}, 9 * 3600},
		{"offset", map[string]string{"QFPAY_TIMEZONE": "UTC+7"}, 7 * 3600},
	} {
		c, err := config.Load(config.Options{LookupEnv: env(tt.env)})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if _, off := at.In(c.QFPayLocation()).Zone(); off != tt.offset {
			t.Errorf("%s: QFPay's zone %v is %d s east of UTC, want %d", tt.name, c.QFPayLocation(), off, tt.offset)
		}
	}
}

func TestInvalidSettings(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	creds := map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": key}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range creds {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want string // the setting named at the start of the line
	}{
		{"no base url with credentials", creds, "QFPAY_BASE_URL: is required"},
		{"remote http", with(map[string]string{"QFPAY_BASE_URL": "http://openapi-hk.qfapi.com"}), "QFPAY_BASE_URL: "},
		{"not a url", with(map[string]string{"QFPAY_BASE_URL": "mars"}), "QFPAY_BASE_URL: "},
		{"ftp", with(map[string]string{"QFPAY_BASE_URL": "ftp://x.example"}), "QFPAY_BASE_URL: "},
		{"key without app code", map[string]string{"QFPAY_CLIENT_KEY": key}, "QFPAY_APP_CODE: is missing"},
		{"app code without key", map[string]string{"QFPAY_APP_CODE": "A"}, "QFPAY_CLIENT_KEY: is missing"},
		{"sign type", map[string]string{"QFPAY_SIGN_TYPE": "SHA1"}, "QFPAY_SIGN_TYPE: "},
		{"currency", map[string]string{"QFPOS_CURRENCY": "GBP"}, "QFPOS_CURRENCY: "},
		{"timezone", map[string]string{"QFPOS_TIMEZONE": "Mars/Base"}, "QFPOS_TIMEZONE: "},
		{"qfpay timezone", map[string]string{"QFPAY_TIMEZONE": "UTC+25"}, "QFPAY_TIMEZONE: "},
		{"qfpay timezone local", map[string]string{"QFPAY_TIMEZONE": "Local"}, "QFPAY_TIMEZONE: "},
		{"expiry short", map[string]string{"QFPOS_QR_EXPIRY": "1m"}, "QFPOS_QR_EXPIRY: "},
		{"expiry long", map[string]string{"QFPOS_QR_EXPIRY": "3h"}, "QFPOS_QR_EXPIRY: "},
		{"expiry seconds", map[string]string{"QFPOS_QR_EXPIRY": "5m30s"}, "QFPOS_QR_EXPIRY: "},
		{"max amount", map[string]string{"QFPOS_MAX_AMOUNT": "lots"}, "QFPOS_MAX_AMOUNT: "},
		{"mchid alone", map[string]string{"QFPAY_MCHID": "M1"}, "QFPAY_MCHID: "},
		{"mchid long", map[string]string{"QFPAY_MCHID": "12345678901234567"}, "QFPAY_MCHID: "},
		{"kiosk", map[string]string{"QFPOS_KIOSK": "maybe"}, "QFPOS_KIOSK: "},
		{"language", map[string]string{"QFPOS_LANGUAGE": "fr"}, "QFPOS_LANGUAGE: "},
		{"listen", map[string]string{"QFPOS_SANDBOX_LISTEN": "8080"}, "QFPOS_SANDBOX_LISTEN: "},
		{"poll share", map[string]string{"QFPOS_POLL_SHARE": "2"}, "QFPOS_POLL_SHARE: "},
		{"jsapi public http", map[string]string{"QFPOS_JSAPI_PUBLIC_URL": "http://pay.example.com"}, "QFPOS_JSAPI_PUBLIC_URL: "},
		{"jsapi public relative", map[string]string{"QFPOS_JSAPI_PUBLIC_URL": "pay.example.com/pos"}, "QFPOS_JSAPI_PUBLIC_URL: "},
		{"jsapi public query", map[string]string{"QFPOS_JSAPI_PUBLIC_URL": "https://pay.example.com/?a=1"}, "QFPOS_JSAPI_PUBLIC_URL: "},
		{"jsapi public ftp", map[string]string{"QFPOS_JSAPI_PUBLIC_URL": "ftp://pay.example.com"}, "QFPOS_JSAPI_PUBLIC_URL: "},
		{"jsapi listen", map[string]string{"QFPOS_JSAPI_LISTEN": "8766"}, "QFPOS_JSAPI_LISTEN: "},
		{"jsapi mode", map[string]string{"QFPOS_JSAPI_MODE": "mine"}, "QFPOS_JSAPI_MODE: "},
		{"jsapi own without oauth url", map[string]string{"QFPOS_JSAPI_MODE": "own", "QFPOS_JSAPI_OAUTH_SECRET": jsapiSecret}, "QFPOS_JSAPI_OAUTH_URL: is required"},
		{"jsapi oauth url http", map[string]string{"QFPOS_JSAPI_MODE": "own", "QFPOS_JSAPI_OAUTH_URL": "http://oa.example.com/oauth", "QFPOS_JSAPI_OAUTH_SECRET": jsapiSecret}, "QFPOS_JSAPI_OAUTH_URL: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(config.Options{LookupEnv: env(tt.env)})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
				t.Fatalf("error = %q, want one line starting %q", err, tt.want)
			}
			var se *config.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SettingError: %T", err)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatal("error shows the client key")
			}
		})
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1234/", "http://[::1]:9"} {
		c, err := config.Load(config.Options{LookupEnv: env(map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": key, "QFPAY_BASE_URL": u})})
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if c.Live() {
			t.Errorf("%s counted as live", u)
		}
	}
}

func TestConfigFileWithKeyIsProtected(t *testing.T) {
	path := writeFile(t, `app_code = "A"
client_key = "`+key+`"
base_url = "hk-test"
`, 0o644)
	c, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "0600") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if c.ClientKey.Reveal() != key {
		t.Error("key not loaded")
	}
}

func TestUnknownKeyAndMissingFile(t *testing.T) {
	path := writeFile(t, "colour = \"red\"\n", 0o600)
	_, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err == nil || !strings.HasPrefix(err.Error(), "colour in "+path+": is not a qfpos setting") {
		t.Errorf("unknown key: %v", err)
	}
	_, err = config.Load(config.Options{Path: filepath.Join(t.TempDir(), "nope.toml"), LookupEnv: env(nil)})
	if err == nil {
		t.Error("a named missing file loaded")
	}
	bad := writeFile(t, "currency = \n", 0o600)
	if _, err := config.Load(config.Options{Path: bad, LookupEnv: env(nil)}); err == nil {
		t.Error("broken TOML loaded")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	c := config.Defaults()
	c.ClientKey = config.Secret(key)
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("config", "key", c.ClientKey, "cfg", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("key=%s", c.ClientKey), sb.String()} {
		if strings.Contains(s, key) {
			t.Errorf("key printed in %q", s)
		}
	}
}

func TestUpdateFileRoundTrip(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	err := config.UpdateFile(path, func(c *config.Config) {
		c.AppCode, c.ClientKey, c.BaseURL = "A", config.Secret(key), "https://openapi-hk.qfapi.com"
		c.MerchantName, c.QRExpiry, c.Kiosk, c.Language, c.PINHash = "Café 咖啡", 15*time.Minute, true, "zh-Hant", "argon:abc"
		c.UDID = "till-2"
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file mode %v, %v", fi.Mode().Perm(), err)
	}
	got, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got.AppCode != "A" || got.ClientKey != config.Secret(key) || got.BaseURL != "https://openapi-hk.qfapi.com" || got.MerchantName != "Café 咖啡" ||
		got.QRExpiry != 15*time.Minute || !got.Kiosk || got.Language != "zh-Hant" || got.PINHash != "argon:abc" || got.UDID != "till-2" {
		t.Errorf("round trip = %+v", got)
	}
	// A second edit keeps what the file had.
	if err := config.UpdateFile(path, func(c *config.Config) { c.MerchantName = "Tea House" }); err != nil {
		t.Fatal(err)
	}
	got, _ = config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if got.MerchantName != "Tea House" || got.UDID != "till-2" || got.PINHash != "argon:abc" || got.ClientKey != config.Secret(key) {
		t.Errorf("after a second edit = %+v", got)
	}
}

// Values from the environment, and values Load derives, never reach the file.
func TestUpdateFileWritesTheFileAlone(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("QFPAY_CLIENT_KEY", key) // as a kiosk fleet provisions it
	t.Setenv("QFPOS_MERCHANT_NAME", "From env")
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.UpdateFile(path, func(c *config.Config) { c.Language = "zh-Hans" }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != `language = "zh-Hans"` {
		t.Errorf("file = %q, want only the edited setting", got)
	}
	if err := os.WriteFile(path, []byte("colour = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := config.UpdateFile(path, func(*config.Config) {}); err == nil {
		t.Error("a file with an unknown setting was rewritten")
	}
}

func TestJSAPISettings(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	c, err := config.Load(config.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if c.JSAPIPublicURL != "" || c.JSAPIListen != "127.0.0.1:8766" || c.JSAPIMode != config.JSAPIModeQFPay || c.JSAPIOAuthURL != "" {
		t.Errorf("JSAPI defaults = %q %q %q %q", c.JSAPIPublicURL, c.JSAPIListen, c.JSAPIMode, c.JSAPIOAuthURL)
	}

	path := writeFile(t, "jsapi_public_url = \"https://pay.example.com/pos/\"\njsapi_mode = \"own\"\n", 0o600)
	c, err = config.Load(config.Options{
		Path: path,
		LookupEnv: env(map[string]string{
			"QFPOS_JSAPI_OAUTH_URL":    "https://oa.example.com/oauth?app=pos",
			"QFPOS_JSAPI_LISTEN":       "0.0.0.0:9000",
			"QFPOS_JSAPI_OAUTH_SECRET": jsapiSecret,
		}),
		Flags: map[string]string{"jsapi-mode": "OWN"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.JSAPIPublicURL != "https://pay.example.com/pos" || c.JSAPIMode != config.JSAPIModeOwn ||
		c.JSAPIOAuthURL != "https://oa.example.com/oauth?app=pos" || c.JSAPIListen != "0.0.0.0:9000" {
		t.Errorf("JSAPI settings = %q %q %q %q", c.JSAPIPublicURL, c.JSAPIMode, c.JSAPIOAuthURL, c.JSAPIListen)
	}
	if c.JSAPIOAuthSecret.Reveal() != jsapiSecret || strings.Contains(fmt.Sprintf("%v %+v %#v", c, c, c), jsapiSecret) {
		t.Errorf("the OAuth secret is %q, or printed", c.JSAPIOAuthSecret.Reveal())
	}

	// Plain http only on this machine: a sandbox, or a test.
	for in, want := range map[string]string{
		"http://127.0.0.1:8766/": "http://127.0.0.1:8766",
		"http://localhost:1":     "http://localhost:1",
		"https://pay.example":    "https://pay.example",
	} {
		if got, err := config.ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "http://192.168.1.5:8766", "https://user@pay.example", "https://pay.example/#x", "javascript:alert(1)"} {
		if got, err := config.ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q) = %q, want an error", in, got)
		}
	}

	// Saved and read back.
	path = filepath.Join(t.TempDir(), "config.toml")
	if err := config.UpdateFile(path, func(f *config.Config) {
		f.JSAPIPublicURL, f.JSAPIMode, f.JSAPIOAuthURL, f.JSAPIListen = c.JSAPIPublicURL, c.JSAPIMode, c.JSAPIOAuthURL, c.JSAPIListen
		f.JSAPIOAuthSecret = c.JSAPIOAuthSecret
	}); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got.JSAPIPublicURL != c.JSAPIPublicURL || got.JSAPIMode != c.JSAPIMode || got.JSAPIOAuthURL != c.JSAPIOAuthURL || got.JSAPIListen != c.JSAPIListen || got.JSAPIOAuthSecret != c.JSAPIOAuthSecret {
		t.Errorf("round trip = %q %q %q %q", got.JSAPIPublicURL, got.JSAPIMode, got.JSAPIOAuthURL, got.JSAPIListen)
	}
}

// TestBadFileNeverShowsItsValues: a config file that does not parse is
// reported by setting and line, never by its text (the TOML library quotes
// the value, which may be part of the client key), and it is made 0600
// before it is parsed.
func TestBadFileNeverShowsItsValues(t *testing.T) {
	const secret = "615ED178AB34CD56EF7890AB12CD34EF"
	for _, tc := range []struct {
		name, body, setting string
		line                int
	}{
		{"unquoted key", "app_code = \"A\"\nclient_key = " + secret + "\n", "client_key", 2},
		{"unquoted key first", "client_key = " + secret + "\nbase_url = \"hk\"\n", "client_key", 1},
		{"unterminated quote", "app_code = \"A\"\n\nclient_key = \"" + secret + "\n", "client_key", 3},
		{"single quote", "client_key = '" + secret + "\napp_code = \"A\"\n", "client_key", 1},
		{"key pasted alone", "client_key = \"\"\n" + secret + "\n", "config file", 2},
		{"key after equals twice", "client_key = = " + secret + "\n", "client_key", 1},
		{"mixed up with another value", "client_key = \"x\"\nmerchant_name = " + secret + " shop\n", "merchant_name", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.body, 0o644)
			_, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
			if err == nil {
				t.Fatal("a broken file loaded")
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("line %d ", tc.line)) || !strings.HasPrefix(msg, tc.setting+" in "+path+": ") {
				t.Errorf("error %q does not name %s and line %d", msg, tc.setting, tc.line)
			}
			// No 3 characters of the value in a row, outside the path.
			rest := strings.ReplaceAll(msg, path, "")
			for i := 0; i+3 <= len(secret); i++ {
				if strings.Contains(rest, secret[i:i+3]) {
					t.Fatalf("error %q shows %q, part of the value", msg, secret[i:i+3])
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode = %04o after a failed parse, want 0600", fi.Mode().Perm())
			}
		})
	}
}

// TestDisputedCurrencyNeedsItsExponent: IDR and MMK, whose number of
// decimals CLDR and ISO 4217 disagree on, are refused unless
// currency_exponent states it; then amounts use it.
func TestDisputedCurrencyNeedsItsExponent(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	load := func(m map[string]string) (*config.Config, error) {
		return config.Load(config.Options{LookupEnv: env(m)})
	}
	for _, code := range []string{"IDR", "MMK"} {
		_, err := load(map[string]string{"QFPOS_CURRENCY": code})
		if err == nil {
			t.Fatalf("%s without currency_exponent loaded", code)
		}
		for _, want := range []string{"QFPOS_CURRENCY: " + code + " has no agreed number of decimals", "CLDR gives 0", "ISO 4217 gives 2", "100 times", "currency_exponent"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", code, err, want)
			}
		}
	}
	c, err := load(map[string]string{"QFPOS_CURRENCY": "IDR", "QFPOS_CURRENCY_EXPONENT": "2", "QFPOS_MAX_AMOUNT": "50000000"})
	if err != nil {
		t.Fatal(err)
	}
	if cur := c.CurrencyInfo(); cur.Code != "IDR" || cur.Exponent != 2 || c.MaxTxamt() != 5_000_000_000 {
		t.Errorf("IDR with exponent 2: %+v, max %d", cur, c.MaxTxamt())
	}
	path := writeFile(t, "currency = \"MMK\"\ncurrency_exponent = 0\n", 0o600)
	c, err = config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil || c.CurrencyInfo().Exponent != 0 || c.CurrencyExponent != 0 {
		t.Errorf("MMK from the file: %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{
		{"QFPOS_CURRENCY": "IDR", "QFPOS_CURRENCY_EXPONENT": "4"},
		{"QFPOS_CURRENCY": "IDR", "QFPOS_CURRENCY_EXPONENT": "two"},
		{"QFPOS_CURRENCY": "HKD", "QFPOS_CURRENCY_EXPONENT": "2"},
	} {
		if _, err := load(bad); err == nil || !strings.Contains(err.Error(), "QFPOS_CURRENCY_EXPONENT") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

const jsapiSecret = "0123456789abcdef0123456789abcdef-oauth"

// Mode own takes only openids signed by the merchant's OAuth page: it
// needs the secret, a long one, and the error never shows it.
func TestJSAPIOwnNeedsASecret(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	own := map[string]string{"QFPOS_JSAPI_MODE": "own", "QFPOS_JSAPI_OAUTH_URL": "https://oa.example.com/oauth"}
	for _, c := range []struct{ secret, want string }{
		{"", "QFPOS_JSAPI_OAUTH_SECRET: is required when QFPOS_JSAPI_MODE is own"},
		{"short-secret-9f3a", "QFPOS_JSAPI_OAUTH_SECRET: is shorter than 32 characters"},
	} {
		e := map[string]string{"QFPOS_JSAPI_OAUTH_SECRET": c.secret}
		for k, v := range own {
			e[k] = v
		}
		_, err := config.Load(config.Options{LookupEnv: env(e)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("secret %q: %v, want %q", c.secret, err, c.want)
		}
		if c.secret != "" && err != nil && strings.Contains(err.Error(), c.secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// Every secret a file can hold makes it owner-only, not the client key alone.
func TestConfigFileWithAnySecretIsProtected(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	for _, body := range []string{
		"jsapi_oauth_secret = \"" + jsapiSecret + "\"\n",
		"pin_hash = \"argon2id$x\"\n",
	} {
		path := writeFile(t, body, 0o644)
		config.Load(config.Options{Path: path, LookupEnv: env(nil)})
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%q: mode %v (%v), want 0600", body, fi.Mode().Perm(), err)
		}
	}
}

// Every setting has a default and a value in effect to show, with where it
// came from, and secrets are masked.
func TestEffective(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte("merchant_name = \"Tea House\"\nqr_expiry = \"10m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"QFPOS_QR_EXPIRY": "15m", "QFPOS_CURRENCY": "JPY", "QFPAY_APP_CODE": "APPCODE1", "QFPAY_CLIENT_KEY": "SECRETKEY123", "QFPAY_BASE_URL": "hk-test"}
	c, err := config.Load(config.Options{Path: path, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Flags: map[string]string{"currency": "HKD", "db": filepath.Join(dir, "o.db")}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]config.Effective{}
	for _, e := range c.Effective() {
		if e.Value == "?" {
			t.Errorf("%s has no value to show", e.Key)
		}
		got[e.Key] = e
	}
	if len(got) != len(config.Settings()) {
		t.Errorf("%d settings shown, want %d", len(got), len(config.Settings()))
	}
	for _, tt := range []struct{ key, value, source, def string }{
		{"merchant_name", "Tea House", config.SourceFile, "qfpos demo shop"},
		{"qr_expiry", "15m0s", config.SourceEnv, "5m0s"},
		{"currency", "HKD", config.SourceFlag, "HKD"},
		{"client_key", "********", config.SourceEnv, ""},
		{"max_amount", "100000", config.SourceDefault, "100000"},
		{"poll_share", "0.25", config.SourceDefault, "0.25"},
		{"voice", "true", config.SourceDefault, "true"},
	} {
		e := got[tt.key]
		if e.Value != tt.value || e.Source != tt.source || e.Default != tt.def {
			t.Errorf("%s = %q from %s, default %q; want %q from %s, default %q", tt.key, e.Value, e.Source, e.Default, tt.value, tt.source, tt.def)
		}
	}
	for _, e := range got {
		if strings.Contains(e.Value, "SECRETKEY") || strings.Contains(e.Default, "SECRETKEY") {
			t.Errorf("%s shows the key", e.Key)
		}
	}
}
