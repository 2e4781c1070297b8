package config

import (
	"strconv"
	"time"
)

// Sources of a setting's value in effect, lowest precedence first.
const (
	SourceDefault = "default"
	SourceFile    = "file"
	SourceEnv     = "environment"
	SourceFlag    = "flag"
)

// Effective is one setting as `qfpos help config` shows it: its default
// and the value in effect, with where that came from. Secrets are masked.
type Effective struct {
	Setting
	Default string // "" when there is none
	Value   string // in effect; secrets masked
	Source  string // SourceDefault, SourceFile, SourceEnv or SourceFlag
}

// maskedKeys are the settings whose values are never shown.
var maskedKeys = map[string]bool{"client_key": true, "jsapi_oauth_secret": true, "pin_hash": true}

// DefaultValues are the defaults of every setting as text, for help: the built-in ones
// (Defaults), with db as it is in sandbox mode.
func DefaultValues() map[string]string {
	d := Defaults()
	d.DB = DefaultDB(true)
	out := map[string]string{}
	for _, s := range settings {
		out[s.key] = d.valueOf(s.key)
	}
	out["db"] = DefaultDB(true) + " (sandbox), " + "orders-REGION-APPCODE8.db beside it (live)"
	out["currency_exponent"] = ""
	out["timezone"] = "Local (the machine's zone)"
	out["qfpay_timezone"] = "the region's (UTC+8)"
	return out
}

// Effective lists every setting of c with its default, its value in
// effect and that value's source. c is what Load returned.
func (c *Config) Effective() []Effective {
	defs := DefaultValues()
	out := make([]Effective, 0, len(settings))
	for _, s := range settings {
		src := c.sources[s.key]
		if src == "" {
			src = SourceDefault
		}
		out = append(out, Effective{
			Setting: Setting{s.key, s.env, s.flag, s.help},
			Default: defs[s.key],
			Value:   c.valueOf(s.key),
			Source:  src,
		})
	}
	return out
}

// setSource records where the value of the setting key came from.
func (c *Config) setSource(key, source string) {
	if c.sources == nil {
		c.sources = map[string]string{}
	}
	c.sources[key] = source
}

// valueOf is the value of the setting key as text, secrets masked.
func (c *Config) valueOf(key string) string {
	if maskedKeys[key] {
		var v string
		switch key {
		case "client_key":
			v = string(c.ClientKey)
		case "jsapi_oauth_secret":
			v = string(c.JSAPIOAuthSecret)
		case "pin_hash":
			v = c.PINHash
		}
		return Secret(v).String()
	}
	b := strconv.FormatBool
	d := func(v time.Duration) string { return v.String() }
	switch key {
	case "app_code":
		return c.AppCode
	case "mchid":
		return c.MchID
	case "base_url":
		return c.BaseURL
	case "sign_type":
		return string(c.SignType)
	case "db":
		return c.DB
	case "currency":
		return c.Currency
	case "currency_exponent":
		if c.CurrencyExponent < 0 {
			return ""
		}
		return strconv.Itoa(c.CurrencyExponent)
	case "merchant_name":
		return c.MerchantName
	case "qfpay_timezone":
		return c.QFPayTimezone
	case "timezone":
		return c.Timezone
	case "qr_expiry":
		return d(c.QRExpiry)
	case "max_amount":
		return c.MaxAmount
	case "poll_share":
		return strconv.FormatFloat(c.PollShare, 'g', -1, 64)
	case "udid":
		return c.UDID
	case "sandbox_listen":
		return c.SandboxListen
	case "kiosk":
		return b(c.Kiosk)
	case "language":
		return c.Language
	case "not_found_after":
		return d(c.NotFoundAfter)
	case "notify_listen":
		return c.NotifyListen
	case "jsapi_public_url":
		return c.JSAPIPublicURL
	case "jsapi_listen":
		return c.JSAPIListen
	case "jsapi_mode":
		return c.JSAPIMode
	case "jsapi_oauth_url":
		return c.JSAPIOAuthURL
	case "printer":
		return c.Printer
	case "printer_paper":
		return strconv.Itoa(c.PrinterPaper)
	case "printer_codepage":
		return c.PrinterCodepage
	case "printer_auto":
		return b(c.PrinterAuto)
	case "voice":
		return b(c.Voice)
	case "voice_volume":
		return strconv.Itoa(c.VoiceVolume)
	case "api_listen":
		return c.APIListen
	case "api_lan_listen":
		return c.APILANListen
	}
	return "?" // a setting without a case here (TestEffectiveCoversEverySetting)
}
