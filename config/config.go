// Package config loads qfpos's one Config from, in rising precedence,
// built-in defaults, a TOML file, the environment and command-line flags,
// and validates it so that every invalid setting gets one clear line.
//
// With no QFPay credentials qfpos runs against its built-in sandbox; with
// credentials a base URL (or region name) is required, so that no default
// can ever move real money.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
)

// Secret is a string that never prints: fmt, %v, %s, %#v and slog show a
// mask, so a Config can be logged without leaking the client key.
type Secret string

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue masks the secret for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself, for signing and nothing else.
func (s Secret) Reveal() string { return string(s) }

// Config is everything qfpos is configured with.
type Config struct {
	AppCode      string // QFPAY_APP_CODE
	ClientKey    Secret // QFPAY_CLIENT_KEY; never printed
	MchID        string // QFPAY_MCHID; sent only when set
	BaseURL      string // QFPAY_BASE_URL, resolved to a URL ("" in sandbox mode)
	SignType     payment.SignType
	DB           string // QFPOS_DB, the bbolt order file
	Currency     string // QFPOS_CURRENCY, ISO 4217
	MerchantName string // QFPOS_MERCHANT_NAME
	Timezone     string // QFPOS_TIMEZONE, IANA name of the merchant's zone (times shown, days, reports); "Local" = the machine's
	// QFPayTimezone is the zone QFPay keeps txdtm, sysdtm and query times
	// in (QFPAY_TIMEZONE); "" means the region's (payment.ZoneOf: UTC+8).
	QFPayTimezone string
	QRExpiry      time.Duration // QFPOS_QR_EXPIRY, how long a QR stays payable (5m–120m, whole minutes)
	MaxAmount     string        // QFPOS_MAX_AMOUNT, the largest sale in major units, e.g. "100000"
	PollShare     float64       // QFPOS_POLL_SHARE, share of QFPay's 400 requests/min this device may use
	UDID          string        // QFPOS_UDID, the device id shown in QFPay's merchant portal
	SandboxListen string        // QFPOS_SANDBOX_LISTEN, where the built-in sandbox listens
	Kiosk         bool          // QFPOS_KIOSK, full-screen self-service mode
	Language      string        // QFPOS_LANGUAGE: en, zh-Hant or zh-Hans
	PINHash       string        // the settings PIN as a salted slow hash (never plain)
	// NotFoundAfter is how old an order QFPay has no record of must be
	// before recovery takes it as never sent (QFPOS_NOT_FOUND_AFTER).
	NotFoundAfter time.Duration
	// NotifyListen is where QFPay's asynchronous notifications are served
	// (QFPOS_NOTIFY_LISTEN), "" for none: polling alone.
	NotifyListen string
	// APIListen is where the local API listens (package api): "" is a
	// unix socket in the user's runtime directory, "off" none, or a
	// loopback HOST:PORT. APILANListen, when set, serves it on the LAN
	// too, over TLS only (qfpos's own certificate) with the same token.
	APIListen    string
	APILANListen string
	// CurrencyExponent is the number of decimals of Currency's txamt, for
	// IDR and MMK only, whose exponent the sources disagree on
	// (QFPOS_CURRENCY_EXPONENT, 0–3; -1 when not set).
	CurrencyExponent int

	// The WeChat JSAPI pages (package jsapi), which a reverse proxy serves
	// to customers' phones at JSAPIPublicURL.
	JSAPIPublicURL string // QFPOS_JSAPI_PUBLIC_URL: https base URL of the pages ("" = none; the sandbox uses its own)
	JSAPIListen    string // QFPOS_JSAPI_LISTEN: where the pages server listens, behind the proxy
	JSAPIMode      string // QFPOS_JSAPI_MODE: JSAPIModeQFPay or JSAPIModeOwn
	JSAPIOAuthURL  string // QFPOS_JSAPI_OAUTH_URL: JSAPIModeOwn only, the merchant's OAuth page that returns the openid
	// JSAPIOAuthSecret (QFPOS_JSAPI_OAUTH_SECRET), JSAPIModeOwn only and
	// required there: the secret the merchant's OAuth page signs the openid
	// with (HMAC-SHA256, see package jsapi); never printed.
	JSAPIOAuthSecret Secret

	// The receipt printer and the spoken amount (devices.go).
	Printer         string // QFPOS_PRINTER: tcp://HOST:9100, /dev/usb/lp0 or cups:QUEUE; "" for none
	PrinterPaper    int    // QFPOS_PRINTER_PAPER: 58 or 80 (mm)
	PrinterCodepage string // QFPOS_PRINTER_CODEPAGE: auto, big5, gb18030, raster or ascii
	PrinterAuto     bool   // QFPOS_PRINTER_AUTO: print a receipt after every paid sale
	Voice           bool   // QFPOS_VOICE: say the amount of a paid sale aloud
	VoiceVolume     int    // QFPOS_VOICE_VOLUME: 0–100

	// Path is the config file read ("" if none) and the one Save writes.
	Path string
	// Warnings are things Load fixed or noticed that a person should read.
	Warnings []string

	loc      *time.Location
	qfpayLoc *time.Location
	sources  map[string]string // by key: where its value came from (effective.go)
}

// MinJSAPIOAuthSecret is the shortest jsapi_oauth_secret, in bytes.
const MinJSAPIOAuthSecret = 32

// JSAPI modes: how the pages get the customer's openid (qfpay-api.md §10).
const (
	// JSAPIModeQFPay uses QFPay's Official Account: get_weixin_oauth_code
	// and get_weixin_openid, then QFPay's /q/direct page.
	JSAPIModeQFPay = "qfpay"
	// JSAPIModeOwn is for a merchant with a verified Official Account of
	// its own bound to QFPay: its OAuth page (JSAPIOAuthURL) returns the
	// openid, and the pages call WeixinJSBridge themselves.
	JSAPIModeOwn = "own"
)

// ParsePublicURL checks the base URL the JSAPI pages are reached at and
// returns it without a trailing slash: an absolute https URL, or plain
// http on a loopback address (a sandbox on this machine). It may have a
// path (for a proxy that strips it), but no query or fragment.
func ParsePublicURL(v string) (string, error) {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	if err := checkHTTPS(v); err != nil {
		return "", err
	}
	if strings.ContainsAny(v, "?#") {
		return "", fmt.Errorf("%q has a query or fragment", v)
	}
	return v, nil
}

// checkHTTPS accepts an absolute https URL, or http on a loopback host.
func checkHTTPS(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an absolute URL", v)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && payment.IsLoopbackHost(u.Hostname()):
	case u.Scheme == "http":
		return fmt.Errorf("%q: plain http is allowed only for loopback addresses; WeChat pay pages need https", v)
	default:
		return fmt.Errorf("%q is not an http(s) URL", v)
	}
	return nil
}

// Sandbox reports whether qfpos runs against its built-in sandbox because
// no credentials are configured.
func (c *Config) Sandbox() bool { return c.AppCode == "" && c.ClientKey == "" }

// Location is the merchant's time zone.
func (c *Config) Location() *time.Location {
	if c.loc == nil {
		return time.Local
	}
	return c.loc
}

// QFPayLocation is the zone QFPay keeps time in: qfpay_timezone when set,
// else the region's (payment.ZoneOf), UTC+8 for the sandbox. It is not
// the merchant's zone (Location) nor the machine's: txdtm is sent in it,
// and sysdtm, paydtm and query ranges are read and written in it.
func (c *Config) QFPayLocation() *time.Location {
	if c.qfpayLoc != nil {
		return c.qfpayLoc
	}
	return payment.ZoneOf(c.BaseURL)
}

// CurrencyInfo is the configured currency (valid after Load).
func (c *Config) CurrencyInfo() money.Currency {
	cur, err := money.Lookup(c.Currency)
	if err != nil {
		return money.MustLookup("HKD")
	}
	return cur
}

// MaxTxamt is the largest sale in minor units of the configured currency.
func (c *Config) MaxTxamt() int64 {
	cur := c.CurrencyInfo()
	if v, err := cur.Parse(c.MaxAmount, 0); err == nil {
		return v
	}
	return money.MaxTxamt
}

// Mode names the environment for people: "sandbox", a region name such as
// "hk-test", or the base URL.
func (c *Config) Mode() string {
	if c.Sandbox() {
		return "sandbox"
	}
	if r, ok := payment.LookupRegion(c.BaseURL); ok {
		return r.Name
	}
	return c.BaseURL
}

// Live reports whether payments move real money (credentials set against a
// QFPay host, not a local sandbox or QFPay's card-only sandbox).
func (c *Config) Live() bool {
	if c.Sandbox() {
		return false
	}
	if r, ok := payment.LookupRegion(c.BaseURL); ok {
		return r.Live
	}
	return !strings.HasPrefix(c.BaseURL, "http://")
}

// Defaults returns the built-in configuration.
func Defaults() *Config {
	return &Config{
		SignType:      payment.SignMD5,
		Currency:      "HKD",
		MerchantName:  "qfpos demo shop",
		Timezone:      "Local",
		QRExpiry:      5 * time.Minute,
		MaxAmount:     "100000",
		PollShare:     0.25,
		SandboxListen: "127.0.0.1:0",
		Language:      "en",
		NotFoundAfter: 2 * time.Minute,

		JSAPIListen: "127.0.0.1:8766",
		JSAPIMode:   JSAPIModeQFPay,

		CurrencyExponent: -1, // not stated

		PrinterPaper:    80,
		PrinterCodepage: "auto",
		PrinterAuto:     true,
		Voice:           true,
		VoiceVolume:     80,
	}
}

// DefaultPath is the config file used when none is named:
// $XDG_CONFIG_HOME/qfpos/config.toml or its platform equivalent.
func DefaultPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "qfpos", "config.toml")
}

// DefaultDB is the order file used when none is configured. The sandbox
// has its own file, so demo sales never mix with real ones. Its folder is
// the platform's per-user data folder (dataDir: paths_unix.go,
// paths_windows.go).
func DefaultDB(sandbox bool) string {
	name := "orders.db"
	if sandbox {
		name = "sandbox-orders.db"
	}
	return filepath.Join(dataDir(), "qfpos", name)
}

// SettingError is one invalid setting: which, where it came from, what is
// wrong, and what to do.
type SettingError struct {
	Setting string // the name as the person wrote it: QFPAY_BASE_URL, --db, base_url
	Source  string // "environment", "flag", or the config file's path
	Problem string
	Fix     string

	key string // the file key, to report each setting once
}

func (e *SettingError) Error() string {
	s := e.Setting
	if e.Source != "" && e.Source != "environment" && e.Source != "flag" {
		s += " in " + e.Source
	}
	s += ": " + e.Problem
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Options says where Load reads from.
type Options struct {
	// Path is the config file; "" means DefaultPath, which may be absent.
	// A named file must exist.
	Path string
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Flags are the command-line flags that were set, by flag name
	// without dashes (see Settings for the names).
	Flags map[string]string
	// Sandbox forces sandbox mode: credentials from any layer are ignored.
	Sandbox bool
}

// setting is one configurable value and the names it goes by.
type setting struct {
	key  string // TOML key
	env  string // environment variable, "" if none
	flag string // command-line flag, "" if none
	help string
	set  func(c *Config, v string) (problem, fix string)
}

// Setting describes one configuration setting for help texts.
type Setting struct{ Key, Env, Flag, Help string }

// Settings lists every setting with its file key, environment variable and
// flag name.
func Settings() []Setting {
	out := make([]Setting, len(settings))
	for i, s := range settings {
		out[i] = Setting{s.key, s.env, s.flag, s.help}
	}
	return out
}

var settings = []setting{
	{"app_code", "QFPAY_APP_CODE", "app-code", "QFPay app code (X-QF-APPCODE)", func(c *Config, v string) (string, string) {
		c.AppCode = strings.TrimSpace(v)
		return "", ""
	}},
	{"client_key", "QFPAY_CLIENT_KEY", "", "QFPay client key (never printed)", func(c *Config, v string) (string, string) {
		c.ClientKey = Secret(strings.TrimSpace(v))
		return "", ""
	}},
	{"mchid", "QFPAY_MCHID", "mchid", "QFPay merchant id, only if QFPay issued one", func(c *Config, v string) (string, string) {
		c.MchID = strings.TrimSpace(v)
		if len(c.MchID) > 16 {
			return "is longer than QFPay's 16 characters", "copy it again from QFPay's welcome e-mail"
		}
		return "", ""
	}},
	{"base_url", "QFPAY_BASE_URL", "base-url", "QFPay API URL or region (" + strings.Join(payment.RegionNames(), ", ") + ")", func(c *Config, v string) (string, string) {
		if strings.TrimSpace(v) == "" {
			c.BaseURL = ""
			return "", ""
		}
		u, err := payment.ResolveBaseURL(v)
		if err != nil {
			return err.Error(), "use a region name such as hk or hk-test, or an https:// URL"
		}
		c.BaseURL = u
		return "", ""
	}},
	{"sign_type", "QFPAY_SIGN_TYPE", "sign-type", "MD5 (default) or SHA256", func(c *Config, v string) (string, string) {
		t, err := payment.ParseSignType(v)
		if err != nil {
			return fmt.Sprintf("%q is not a signature type", v), "use MD5 or SHA256"
		}
		c.SignType = t
		return "", ""
	}},
	{"db", "QFPOS_DB", "db", "the order file (bbolt)", func(c *Config, v string) (string, string) {
		c.DB = strings.TrimSpace(v)
		return "", ""
	}},
	{"currency", "QFPOS_CURRENCY", "currency", "ISO 4217 currency, default HKD", func(c *Config, v string) (string, string) {
		cur, err := money.Lookup(v)
		if err != nil {
			return fmt.Sprintf("%q is not a currency QFPay takes", v), "use one of " + strings.Join(money.Currencies, ", ")
		}
		c.Currency = cur.Code
		return "", ""
	}},
	{"currency_exponent", "QFPOS_CURRENCY_EXPONENT", "", "IDR and MMK only: decimals of txamt as QFPay confirms them (0–3); qfpos will not guess", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v == "" {
			c.CurrencyExponent = -1
			return "", ""
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3 {
			return fmt.Sprintf("%q is not a number of decimals from 0 to 3", v), "ask QFPay how many decimals txamt has in your currency, e.g. 2 if 100 is one rupiah"
		}
		c.CurrencyExponent = n
		return "", ""
	}},
	{"merchant_name", "QFPOS_MERCHANT_NAME", "merchant-name", "name shown to customers", func(c *Config, v string) (string, string) {
		c.MerchantName = strings.TrimSpace(v)
		return "", ""
	}},
	{"qfpay_timezone", "QFPAY_TIMEZONE", "qfpay-timezone", "zone QFPay keeps txdtm/sysdtm in (default the region's, UTC+8)", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v == "" {
			c.QFPayTimezone, c.qfpayLoc = "", nil
			return "", ""
		}
		loc, err := payment.ParseZone(v)
		if err != nil {
			return err.Error(), "use an IANA name such as Asia/Hong_Kong or an offset such as UTC+8"
		}
		c.QFPayTimezone, c.qfpayLoc = v, loc
		return "", ""
	}},
	{"timezone", "QFPOS_TIMEZONE", "timezone", "the merchant's IANA zone for times shown, days and reports, e.g. Asia/Hong_Kong", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v == "" {
			v = "Local"
		}
		if _, err := time.LoadLocation(v); err != nil {
			return fmt.Sprintf("%q is not a time zone", v), "use an IANA name such as Asia/Hong_Kong"
		}
		c.Timezone = v
		return "", ""
	}},
	{"qr_expiry", "QFPOS_QR_EXPIRY", "qr-expiry", "how long a QR stays payable, 5m to 120m", func(c *Config, v string) (string, string) {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Sprintf("%q is not a duration", v), "write it like 5m or 30m"
		}
		if d < 5*time.Minute || d > 120*time.Minute || d%time.Minute != 0 {
			return fmt.Sprintf("%s is outside QFPay's range", d), "use whole minutes from 5m to 120m"
		}
		c.QRExpiry = d
		return "", ""
	}},
	{"max_amount", "QFPOS_MAX_AMOUNT", "max-amount", "largest sale in major units, e.g. 100000", func(c *Config, v string) (string, string) {
		c.MaxAmount = strings.TrimSpace(v)
		return "", ""
	}},
	{"poll_share", "QFPOS_POLL_SHARE", "", "share of QFPay's 400 requests/min this device may use (0.01–1)", func(c *Config, v string) (string, string) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f <= 0 || f > 1 {
			return fmt.Sprintf("%q is not a share between 0 and 1", v), "use for example 0.25 when four devices share one merchant"
		}
		c.PollShare = f
		return "", ""
	}},
	{"udid", "QFPOS_UDID", "udid", "device id shown in QFPay's merchant portal (≤40 chars)", func(c *Config, v string) (string, string) {
		c.UDID = strings.TrimSpace(v)
		if len(c.UDID) > 40 {
			return "is longer than QFPay's 40 characters", "shorten it"
		}
		return "", ""
	}},
	{"sandbox_listen", "QFPOS_SANDBOX_LISTEN", "sandbox-listen", "address the built-in sandbox listens on (0.0.0.0:PORT lets phones pay)", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Sprintf("%q is not HOST:PORT", v), "write it like 127.0.0.1:8765 or 0.0.0.0:8765"
		}
		c.SandboxListen = v
		return "", ""
	}},
	{"kiosk", "QFPOS_KIOSK", "kiosk", "self-service kiosk mode (true/false)", func(c *Config, v string) (string, string) {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Sprintf("%q is not true or false", v), ""
		}
		c.Kiosk = b
		return "", ""
	}},
	{"language", "QFPOS_LANGUAGE", "language", "en, zh-Hant or zh-Hans", func(c *Config, v string) (string, string) {
		switch l := strings.TrimSpace(v); strings.ToLower(l) {
		case "en", "zh-hant", "zh-hans":
			c.Language = map[string]string{"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}[strings.ToLower(l)]
			return "", ""
		}
		return fmt.Sprintf("%q is not a language qfpos speaks", v), "use en, zh-Hant or zh-Hans"
	}},
	{"not_found_after", "QFPOS_NOT_FOUND_AFTER", "", "age after which recovery takes an order QFPay has no record of as never sent (default 2m)", func(c *Config, v string) (string, string) {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < time.Second || d > 24*time.Hour {
			return fmt.Sprintf("%q is not a duration from 1s to 24h", v), "write it like 2m"
		}
		c.NotFoundAfter = d
		return "", ""
	}},
	{"notify_listen", "QFPOS_NOTIFY_LISTEN", "notify-listen", "HOST:PORT to receive QFPay's payment notifications at /qfpay/notify (behind your HTTPS proxy); polling stays the fallback", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Sprintf("%q is not HOST:PORT", v), "write it like 127.0.0.1:8080"
			}
		}
		c.NotifyListen = v
		return "", ""
	}},
	{"api_listen", "QFPOS_API_LISTEN", "api-listen", "the local API: empty = a unix socket in the runtime directory, off, or a loopback HOST:PORT (docs/integration.md)", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v != "" && v != "off" {
			host, _, err := net.SplitHostPort(v)
			if err != nil {
				return fmt.Sprintf("%q is not HOST:PORT", v), "write it like 127.0.0.1:8767, or leave it empty for the unix socket"
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return fmt.Sprintf("%q is not a loopback address", v), "use api_lan_listen for the LAN: it serves over TLS only"
			}
		}
		c.APIListen = v
		return "", ""
	}},
	{"api_lan_listen", "QFPOS_API_LAN_LISTEN", "api-lan-listen", "HOST:PORT to serve the local API on the LAN too, over TLS only (qfpos's own certificate) with the token; empty = off", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Sprintf("%q is not HOST:PORT", v), "write it like 0.0.0.0:8768"
			}
		}
		c.APILANListen = v
		return "", ""
	}},
	{"pin_hash", "", "", "settings PIN, as written by the app (a salted hash)", func(c *Config, v string) (string, string) {
		c.PINHash = strings.TrimSpace(v)
		return "", ""
	}},
	{"jsapi_public_url", "QFPOS_JSAPI_PUBLIC_URL", "jsapi-public-url", "https URL phones reach the WeChat JSAPI pages at, through your reverse proxy", func(c *Config, v string) (string, string) {
		if strings.TrimSpace(v) == "" {
			c.JSAPIPublicURL = ""
			return "", ""
		}
		u, err := ParsePublicURL(v)
		if err != nil {
			return err.Error(), "use the https:// address your reverse proxy serves, e.g. https://pay.example.com"
		}
		c.JSAPIPublicURL = u
		return "", ""
	}},
	{"jsapi_listen", "QFPOS_JSAPI_LISTEN", "jsapi-listen", "address the WeChat JSAPI pages server listens on, behind the proxy", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Sprintf("%q is not HOST:PORT", v), "write it like 127.0.0.1:8766"
		}
		c.JSAPIListen = v
		return "", ""
	}},
	{"jsapi_mode", "QFPOS_JSAPI_MODE", "jsapi-mode", "qfpay (QFPay's Official Account, default) or own (your verified Official Account)", func(c *Config, v string) (string, string) {
		switch m := strings.ToLower(strings.TrimSpace(v)); m {
		case JSAPIModeQFPay, JSAPIModeOwn:
			c.JSAPIMode = m
			return "", ""
		}
		return fmt.Sprintf("%q is not a JSAPI mode", v), "use qfpay or own"
	}},
	{"jsapi_oauth_url", "QFPOS_JSAPI_OAUTH_URL", "jsapi-oauth-url", "jsapi_mode own: your OAuth page; it gets redirect_uri and sends the phone back with openid", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v == "" {
			c.JSAPIOAuthURL = ""
			return "", ""
		}
		if err := checkHTTPS(v); err != nil {
			return err.Error(), "use the https:// address of your Official Account's OAuth page"
		}
		c.JSAPIOAuthURL = v
		return "", ""
	}},
	{"jsapi_oauth_secret", "QFPOS_JSAPI_OAUTH_SECRET", "", "jsapi_mode own: the secret your OAuth page signs the openid with, at least 32 characters (never printed)", func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if v != "" && len(v) < MinJSAPIOAuthSecret {
			return fmt.Sprintf("is shorter than %d characters", MinJSAPIOAuthSecret), "generate one with: openssl rand -hex 32"
		}
		c.JSAPIOAuthSecret = Secret(v)
		return "", ""
	}},
}

// Load reads the configuration, validates it and returns it. The error,
// if any, joins one *SettingError per invalid setting.
func Load(opts Options) (*Config, error) {
	c := Defaults()
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var errs []error
	failed := map[string]bool{} // file keys of settings already reported
	apply := func(s setting, name, source, v string) {
		if problem, fix := s.set(c, v); problem != "" {
			errs = append(errs, &SettingError{Setting: name, Source: source, Problem: problem, Fix: fix})
			failed[s.key] = true
		}
		switch source {
		case "environment":
			c.setSource(s.key, SourceEnv)
		case "flag":
			c.setSource(s.key, SourceFlag)
		default:
			c.setSource(s.key, SourceFile)
		}
	}

	// 1. The file.
	path, explicit := opts.Path, opts.Path != ""
	if !explicit {
		if p, ok := lookup("QFPOS_CONFIG"); ok && p != "" {
			path, explicit = p, true
		} else {
			path = DefaultPath()
		}
	}
	if path != "" {
		values, warning, err := readFile(path)
		if warning != "" {
			c.Warnings = append(c.Warnings, warning)
		}
		var se *SettingError
		switch {
		case err == nil:
			c.Path = path
			keys := make([]string, 0, len(values))
			for k := range values {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				s, ok := byKey(k)
				if !ok {
					errs = append(errs, &SettingError{Setting: k, Source: path, Problem: "is not a qfpos setting", Fix: "remove it (settings: " + strings.Join(keyNames(), ", ") + ")"})
					continue
				}
				apply(s, k, path, values[k])
			}
		case errors.As(err, &se):
			errs = append(errs, err)
			if se.key != "" {
				failed[se.key] = true
			}
		case errors.Is(err, os.ErrNotExist) && !explicit:
			c.Path = path // Save writes here
		default:
			errs = append(errs, &SettingError{Setting: "config file", Source: "flag", Problem: err.Error(), Fix: "check --config / QFPOS_CONFIG"})
		}
	}

	// 2. The environment.
	for _, s := range settings {
		if s.env == "" {
			continue
		}
		if v, ok := lookup(s.env); ok {
			apply(s, s.env, "environment", v)
		}
	}

	// 3. Flags.
	for name, v := range opts.Flags {
		s, ok := byFlag(name)
		if !ok {
			continue
		}
		apply(s, "--"+name, "flag", v)
	}

	if opts.Sandbox {
		c.AppCode, c.ClientKey, c.MchID, c.BaseURL = "", "", "", ""
		for _, k := range []string{"app_code", "client_key", "mchid", "base_url"} {
			c.setSource(k, SourceFlag) // --sandbox
		}
	}
	for _, err := range c.validate() {
		var se *SettingError
		if errors.As(err, &se) && failed[se.key] {
			continue // one line per setting
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, nil
}

// validate checks what single settings cannot: credentials that belong
// together, and settings that depend on the currency.
func (c *Config) validate() []error {
	var errs []error
	switch {
	case c.AppCode != "" && c.ClientKey == "":
		errs = append(errs, &SettingError{Setting: "QFPAY_CLIENT_KEY", key: "client_key", Problem: "is missing while QFPAY_APP_CODE is set", Fix: "set both for QFPay, or neither for the sandbox"})
	case c.AppCode == "" && c.ClientKey != "":
		errs = append(errs, &SettingError{Setting: "QFPAY_APP_CODE", key: "app_code", Problem: "is missing while QFPAY_CLIENT_KEY is set", Fix: "set both for QFPay, or neither for the sandbox"})
	case !c.Sandbox() && c.BaseURL == "":
		errs = append(errs, &SettingError{Setting: "QFPAY_BASE_URL", key: "base_url", Problem: "is required when credentials are set (there is no default that could move real money)", Fix: "set it to a region such as hk-test or hk, or to an https:// URL"})
	}
	if c.Sandbox() && c.MchID != "" {
		errs = append(errs, &SettingError{Setting: "QFPAY_MCHID", key: "mchid", Problem: "is set but there are no credentials", Fix: "set QFPAY_APP_CODE and QFPAY_CLIENT_KEY too, or unset it"})
	}
	if c.JSAPIMode == JSAPIModeOwn && c.JSAPIOAuthURL == "" {
		errs = append(errs, &SettingError{Setting: "QFPOS_JSAPI_OAUTH_URL", key: "jsapi_oauth_url", Problem: "is required when QFPOS_JSAPI_MODE is own", Fix: "set it to your Official Account's OAuth page, or use jsapi_mode qfpay"})
	}
	if why, disputed := money.Disputed(c.Currency); disputed {
		if c.CurrencyExponent < 0 {
			errs = append(errs, &SettingError{Setting: "QFPOS_CURRENCY", key: "currency", Problem: why,
				Fix: "set currency_exponent (QFPOS_CURRENCY_EXPONENT) to the number of decimals QFPay confirms for " + c.Currency + " txamt, or use another currency"})
		} else if err := money.SetExponent(c.Currency, c.CurrencyExponent); err != nil {
			errs = append(errs, &SettingError{Setting: "QFPOS_CURRENCY_EXPONENT", key: "currency_exponent", Problem: err.Error()})
		}
	} else if c.CurrencyExponent >= 0 {
		errs = append(errs, &SettingError{Setting: "QFPOS_CURRENCY_EXPONENT", key: "currency_exponent",
			Problem: fmt.Sprintf("is set, but %s's number of decimals is not in doubt", c.Currency), Fix: "remove it: it is for IDR and MMK only"})
	}
	if c.JSAPIMode == JSAPIModeOwn && c.JSAPIOAuthSecret == "" {
		errs = append(errs, &SettingError{Setting: "QFPOS_JSAPI_OAUTH_SECRET", key: "jsapi_oauth_secret", Problem: "is required when QFPOS_JSAPI_MODE is own: qfpos takes only an openid your OAuth page signed with it", Fix: "generate one with openssl rand -hex 32 and give it to qfpos and your OAuth page (see the README, \"WeChat JSAPI\")"})
	}
	cur := c.CurrencyInfo()
	if _, err := cur.Parse(c.MaxAmount, 0); err != nil {
		errs = append(errs, &SettingError{Setting: "QFPOS_MAX_AMOUNT", key: "max_amount", Problem: fmt.Sprintf("%q is not a %s amount (%v)", c.MaxAmount, cur.Code, err), Fix: "write it like 100000"})
	}
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		c.loc = loc
	}
	if c.DB == "" {
		c.DB = DefaultDB(c.Sandbox())
	}
	if c.UDID == "" {
		if h, err := os.Hostname(); err == nil {
			if len(h) > 40 {
				h = h[:40]
			}
			c.UDID = h
		}
	}
	return errs
}

func byKey(k string) (setting, bool) {
	for _, s := range settings {
		if s.key == k {
			return s, true
		}
	}
	return setting{}, false
}

func byFlag(f string) (setting, bool) {
	for _, s := range settings {
		if s.flag != "" && s.flag == f {
			return s, true
		}
	}
	return setting{}, false
}

func keyNames() []string {
	var names []string
	for _, s := range settings {
		names = append(names, s.key)
	}
	return names
}

// readFile decodes a TOML config file into string values per key.
//
// A file that mentions client_key (or another secret, secretKeys) is made readable by its owner alone
// before it is parsed, so a file that does not parse is protected too
// (warning says so when the mode was changed). A file that does not parse
// gets a *SettingError naming the setting and the line, never the text:
// the TOML library quotes the offending value, which may be part of the
// client key.
func readFile(path string) (values map[string]string, warning string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	if secretKeys.Match(data) {
		if warning, err = protect(path); err != nil {
			return nil, "", err
		}
	}
	raw := map[string]any{}
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, warning, parseError(path, data, err)
	}
	values = make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			values[k] = v
		case bool:
			values[k] = strconv.FormatBool(v)
		case int64:
			values[k] = strconv.FormatInt(v, 10)
		case float64:
			values[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			values[k] = fmt.Sprint(v)
		}
	}
	return values, warning, nil
}

// secretKeys matches a file that may hold a secret: the client key, the
// JSAPI OAuth secret or the PIN's hash.
var secretKeys = regexp.MustCompile(`client_key|jsapi_oauth_secret|pin_hash`)

// lineKey matches the key of a "key = value" line.
var lineKey = regexp.MustCompile(`^\s*"?([A-Za-z0-9_-]+)"?\s*=`)

// parseError turns a TOML decoding error into one line that names the
// setting (when the line is one of qfpos's settings) and the line number.
// It is built from the error's position alone: its text quotes the value.
func parseError(path string, data []byte, err error) *SettingError {
	e := &SettingError{Setting: "config file", Source: path,
		Problem: "is not valid TOML (the value is not shown: it may be secret)",
		Fix:     `write each setting as key = "text" (text in double quotes), or key = number / true / false`}
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line < 1 {
		return e
	}
	line := pe.Position.Line
	e.Problem = fmt.Sprintf("line %d is not valid TOML (the value is not shown: it may be secret)", line)
	if lines := strings.Split(string(data), "\n"); line <= len(lines) {
		if m := lineKey.FindStringSubmatch(lines[line-1]); m != nil {
			if s, ok := byKey(m[1]); ok {
				e.Setting, e.key = s.key, s.key
				e.Fix = fmt.Sprintf(`write it as %s = "…" (text in double quotes)`, s.key)
			}
		}
	}
	return e
}

// protect makes sure a config file that may hold the client key is
// readable by its owner only: it fixes the file's mode (Unix) or ACL
// (Windows) when it can and refuses otherwise. The platform's own code is
// checkPrivate and makePrivate (perm_unix.go, perm_windows.go).
func protect(path string) (warning string, err error) {
	problem, err := checkPrivate(path)
	if err != nil {
		return "", &SettingError{Setting: "client_key", Source: path, Problem: err.Error()}
	}
	if problem == "" {
		return "", nil
	}
	if err := makePrivate(path); err != nil {
		return "", &SettingError{Setting: "client_key", Source: path,
			Problem: fmt.Sprintf("the file holds secrets but %s, and that cannot be fixed: %v", problem, err),
			Fix:     privateFix(path)}
	}
	return fmt.Sprintf("%s holds secrets and %s; qfpos %s", path, problem, privateDone), nil
}

// ReadFile is the configuration in the config file at path alone: the
// defaults overlaid with the file's settings, without the environment,
// flags, cross-setting checks or derived values (the order file, the
// device id). A missing file gives the defaults.
func ReadFile(path string) (*Config, error) {
	if path == "" {
		return nil, errors.New("config: no config file (set QFPOS_CONFIG)")
	}
	c := Defaults()
	c.Path = path
	values, _, err := readFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for k, v := range values {
		s, ok := byKey(k)
		if !ok {
			return nil, &SettingError{Setting: k, Source: path, Problem: "is not a qfpos setting", Fix: "remove it"}
		}
		if problem, fix := s.set(c, v); problem != "" {
			return nil, &SettingError{Setting: k, Source: path, Problem: problem, Fix: fix}
		}
	}
	return c, nil
}

// UpdateFile applies edit to the file's own settings (ReadFile) and saves
// them (mode 0600, atomically), so values that came from the environment
// or flags, or that Load derives, are never written into the file.
func UpdateFile(path string, edit func(c *Config)) error {
	c, err := ReadFile(path)
	if err != nil {
		return err
	}
	edit(c)
	return c.save()
}

// save writes the settings that differ from the defaults to c.Path (mode
// 0600, atomically).
func (c *Config) save() error {
	if c.Path == "" {
		return errors.New("config: no file to save to")
	}
	d := Defaults()
	out := map[string]any{}
	put := func(k string, v, def any) {
		if v != def {
			out[k] = v
		}
	}
	put("app_code", c.AppCode, d.AppCode)
	put("client_key", string(c.ClientKey), string(d.ClientKey))
	put("mchid", c.MchID, d.MchID)
	if c.BaseURL != "" {
		out["base_url"] = c.BaseURL
	}
	put("sign_type", string(c.SignType), string(d.SignType))
	if c.DB != DefaultDB(c.Sandbox()) {
		put("db", c.DB, "")
	}
	put("currency", c.Currency, d.Currency)
	if c.CurrencyExponent != d.CurrencyExponent {
		out["currency_exponent"] = c.CurrencyExponent
	}
	put("merchant_name", c.MerchantName, d.MerchantName)
	put("timezone", c.Timezone, d.Timezone)
	put("qfpay_timezone", c.QFPayTimezone, d.QFPayTimezone)
	if c.QRExpiry != d.QRExpiry {
		out["qr_expiry"] = c.QRExpiry.String()
	}
	put("max_amount", c.MaxAmount, d.MaxAmount)
	if c.PollShare != d.PollShare {
		out["poll_share"] = c.PollShare
	}
	put("udid", c.UDID, d.UDID)
	put("sandbox_listen", c.SandboxListen, d.SandboxListen)
	put("kiosk", c.Kiosk, d.Kiosk)
	put("language", c.Language, d.Language)
	put("pin_hash", c.PINHash, d.PINHash)
	put("notify_listen", c.NotifyListen, d.NotifyListen)
	put("api_listen", c.APIListen, d.APIListen)
	put("api_lan_listen", c.APILANListen, d.APILANListen)
	if c.NotFoundAfter != d.NotFoundAfter {
		out["not_found_after"] = c.NotFoundAfter.String()
	}
	put("jsapi_public_url", c.JSAPIPublicURL, d.JSAPIPublicURL)
	put("jsapi_listen", c.JSAPIListen, d.JSAPIListen)
	put("jsapi_mode", c.JSAPIMode, d.JSAPIMode)
	put("jsapi_oauth_url", c.JSAPIOAuthURL, d.JSAPIOAuthURL)
	put("jsapi_oauth_secret", string(c.JSAPIOAuthSecret), string(d.JSAPIOAuthSecret))
	c.putDevices(put)

	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.Path), ".config-*.toml")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := makePrivate(tmp.Name()); err != nil { // before a secret is written
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if err := toml.NewEncoder(tmp).Encode(out); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.Path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
