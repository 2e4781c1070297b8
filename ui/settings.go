package ui

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
)

// saveConfig applies edit to the config file alone (config.UpdateFile:
// settings from the environment or flags, or credentials --sandbox hid,
// are not written into it), then running to the running configuration.
func (g *gui) saveConfig(edit, running func(c *config.Config)) error {
	if err := config.UpdateFile(g.cfg.Path, edit); err != nil {
		return err
	}
	if running != nil {
		running(g.cfg)
	}
	return nil
}

// expiries are the QR lifetimes the settings screen offers (QFPay takes
// 5–120 minutes).
var expiries = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, 60 * time.Minute, 120 * time.Minute}

// envSandbox is the environment choice meaning "no credentials".
const envSandbox = "sandbox"

// settingsScreen edits the configuration, behind the PIN.
type settingsScreen struct {
	g         *gui
	appCode   *widget.Entry
	clientKey *widget.Entry
	env       *widget.Select
	merchant  *widget.Entry
	currency  *widget.Select
	expiry    *widget.Select
	kiosk     *widget.Check
	language  *widget.Select
	changePIN *widget.Button
	save      *widget.Button
	msg       *widget.Label
	devices   *devicesSection // printer and voice (devices.go)
	content   fyne.CanvasObject

	keySet   bool            // the config file holds a client key
	expiries []time.Duration // what expiry offers: expiries, and the file's if other
	loaded   settingsForm    // the form as load filled it from the file
}

// envName is the environment chosen: envSandbox for the first choice
// (the sandbox, in the screen's language), else a region or a URL.
func (s *settingsScreen) envName() string {
	if s.env.SelectedIndex() == 0 {
		return envSandbox
	}
	return s.env.Selected
}

// settingsForm is what the settings form holds, to compare with what it
// was loaded with: Save writes only what the user changed.
type settingsForm struct {
	env, appCode, merchant, currency, language string
	expiry                                     time.Duration
	kiosk                                      bool
}

// form reads the form's fields (the client key aside).
func (s *settingsScreen) form() settingsForm {
	return settingsForm{
		env:      s.envName(),
		appCode:  strings.TrimSpace(s.appCode.Text),
		merchant: strings.TrimSpace(s.merchant.Text),
		currency: s.currency.Selected,
		language: languages[max(s.language.SelectedIndex(), 0)],
		expiry:   s.expiries[max(s.expiry.SelectedIndex(), 0)],
		kiosk:    s.kiosk.Checked,
	}
}

func newSettingsScreen(g *gui) *settingsScreen {
	tr := g.tr
	s := &settingsScreen{g: g, expiries: slices.Clone(expiries)}
	s.appCode = widget.NewEntry()
	s.clientKey = widget.NewPasswordEntry()
	envs := append([]string{tr.T("settings.env_sandbox")}, payment.RegionNames()...)
	s.env = widget.NewSelect(envs, nil)
	s.merchant = widget.NewEntry()
	s.currency = widget.NewSelect(settableCurrencies(g.cfg.Currency), nil)
	var exp []string
	for _, d := range s.expiries {
		exp = append(exp, tr.T("settings.minutes", int(d.Minutes())))
	}
	s.expiry = widget.NewSelect(exp, nil)
	s.kiosk = widget.NewCheck(tr.T("settings.kiosk_on"), nil)
	var langs []string
	for _, l := range languages {
		langs = append(langs, languageNames[l])
	}
	s.language = widget.NewSelect(langs, nil)
	s.changePIN = widget.NewButtonWithIcon(tr.T("settings.change_pin"), theme.AccountIcon(), func() {
		g.setPIN(func() { s.msg.SetText(tr.T("settings.pin_changed")) })
	})
	s.save = widget.NewButtonWithIcon(tr.T("settings.save"), theme.DocumentSaveIcon(), s.saveNow)
	s.save.Importance = widget.HighImportance
	s.msg = widget.NewLabel("")
	s.msg.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr.T("settings.env"), s.env),
		widget.NewFormItem(tr.T("settings.app_code"), s.appCode),
		widget.NewFormItem(tr.T("settings.client_key"), s.clientKey),
		widget.NewFormItem(tr.T("settings.merchant"), s.merchant),
		widget.NewFormItem(tr.T("settings.currency"), s.currency),
		widget.NewFormItem(tr.T("settings.expiry"), s.expiry),
		widget.NewFormItem(tr.T("settings.kiosk"), s.kiosk),
		widget.NewFormItem(tr.T("settings.language"), s.language),
		widget.NewFormItem(tr.T("settings.pin"), container.NewHBox(s.changePIN)),
	)
	if g.d.API != nil && g.d.API().Fingerprint != "" { // the local API on the LAN: its certificate, for pinning
		fp := widget.NewLabel(g.d.API().LAN + "\n" + g.d.API().Fingerprint)
		fp.Wrapping, fp.Selectable = fyne.TextWrapBreak, true
		form.Append(tr.T("settings.api_lan"), fp)
	}
	title := widget.NewLabelWithStyle(tr.T("settings.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.devices = newDevicesSection(g)
	s.content = container.NewBorder(title, container.NewBorder(nil, nil, s.save, nil, s.msg), nil, nil, container.NewVScroll(container.NewVBox(form, s.devices.content)))
	return s
}

// load fills the form from the config file alone (config.ReadFile), not
// from the running configuration: a value that came from the environment
// or a flag (QFPOS_MERCHANT_NAME, --kiosk) is not the file's, and Save
// must not write it there. The client key is never shown: the field
// stays empty with •••• as placeholder, and empty means "keep".
func (s *settingsScreen) load() {
	tr := s.g.tr
	c, err := config.ReadFile(s.g.cfg.Path)
	if err != nil {
		c = config.Defaults()
	}
	s.keySet = c.ClientKey != ""
	s.appCode.SetText(c.AppCode)
	s.clientKey.SetText("")
	if s.keySet {
		s.clientKey.SetPlaceHolder("•••• " + tr.T("settings.key_keep"))
	} else {
		s.clientKey.SetPlaceHolder(tr.T("settings.key_none"))
	}
	env := tr.T("settings.env_sandbox")
	if !c.Sandbox() {
		env = c.BaseURL
		if r, ok := payment.LookupRegion(c.BaseURL); ok {
			env = r.Name
		}
	}
	if !slices.Contains(s.env.Options, env) {
		s.env.Options = append(s.env.Options, env)
	}
	s.env.SetSelected(env)
	s.merchant.SetText(c.MerchantName)
	if !slices.Contains(s.currency.Options, c.Currency) {
		s.currency.Options = append(s.currency.Options, c.Currency)
	}
	s.currency.SetSelected(c.Currency)
	i := slices.Index(s.expiries, c.QRExpiry)
	if i < 0 { // a lifetime the list does not offer, set in the file
		s.expiries = append(s.expiries, c.QRExpiry)
		s.expiry.Options = append(s.expiry.Options, tr.T("settings.minutes", int(c.QRExpiry.Minutes())))
		i = len(s.expiries) - 1
	}
	s.expiry.SetSelectedIndex(i)
	s.kiosk.SetChecked(c.Kiosk)
	s.language.SetSelectedIndex(max(slices.Index(languages, c.Language), 0))
	s.loaded = s.form()
	s.devices.load()
	s.msg.SetText("")
	if err != nil {
		s.fail(tr.T("settings.read_failed", err.Error()))
	}
}

// saveNow checks the form and writes to the config file the fields the
// user changed since load, nothing else; it says what needs a restart.
// Language and merchant name apply at once.
func (s *settingsScreen) saveNow() {
	g, tr := s.g, s.g.tr
	g.touch()
	f, was := s.form(), s.loaded
	key := strings.TrimSpace(s.clientKey.Text)
	creds := f.env != was.env || f.env != envSandbox && (f.appCode != was.appCode || key != "")
	var baseURL string
	if creds && f.env != envSandbox {
		u, err := payment.ResolveBaseURL(f.env)
		if err != nil {
			s.fail(tr.T("settings.bad_env", err.Error()))
			return
		}
		baseURL = u
		if f.appCode == "" || (key == "" && !s.keySet) {
			s.fail(tr.T("settings.need_credentials"))
			return
		}
	}
	if f.merchant == "" {
		s.fail(tr.T("settings.need_merchant"))
		return
	}
	restart := creds || f.currency != was.currency || f.expiry != was.expiry || f.kiosk != was.kiosk
	relabel := f.language != was.language || f.merchant != was.merchant
	err := g.saveConfig(func(c *config.Config) {
		if creds {
			if f.env == envSandbox {
				if c.DB == accountDB(c.BaseURL, c.AppCode) {
					c.DB = "" // the sandbox has its own file; the account's would refuse it
				}
				c.AppCode, c.ClientKey, c.BaseURL, c.MchID = "", "", "", ""
			} else {
				if c.AppCode != f.appCode || c.BaseURL != baseURL {
					// Another QFPay account: the order file of the one
					// before would refuse it (its identity), so each
					// account gets its own, unless the file names one.
					if c.DB == "" || c.DB == config.DefaultDB(false) {
						c.DB = accountDB(baseURL, f.appCode)
					}
				}
				c.AppCode, c.BaseURL = f.appCode, baseURL
				if key != "" {
					c.ClientKey = config.Secret(key)
				}
			}
		}
		if f.merchant != was.merchant {
			c.MerchantName = f.merchant
		}
		if f.currency != was.currency {
			c.Currency = f.currency
			if _, disputed := money.Disputed(f.currency); !disputed {
				c.CurrencyExponent = -1 // for IDR and MMK only: kept, the next start would refuse
			}
		}
		if f.expiry != was.expiry {
			c.QRExpiry = f.expiry
		}
		if f.kiosk != was.kiosk {
			c.Kiosk = f.kiosk
		}
		if f.language != was.language {
			c.Language = f.language
		}
	}, func(c *config.Config) {
		// What applies at once; the engine keeps the rest until a restart.
		if f.merchant != was.merchant {
			c.MerchantName = f.merchant
		}
		if f.language != was.language {
			c.Language = f.language
		}
	})
	s.clientKey.SetText("")
	if err != nil {
		s.fail(tr.T("settings.save_failed", err.Error()))
		return
	}
	if relabel {
		g.tr = newTranslator(g.cfg.Language)
		g.build()
		g.show(screenSettings) // loads the saved file
		s = g.settings
	} else {
		s.load() // what was saved is what later saves compare with
	}
	text := g.tr.T("settings.saved", g.cfg.Path)
	if restart {
		text += " " + g.tr.T("settings.restart")
	}
	s.msg.Importance = widget.SuccessImportance
	s.msg.SetText(text)
}

func (s *settingsScreen) fail(text string) {
	s.msg.Importance = widget.DangerImportance
	s.msg.SetText(text)
}

// settableCurrencies are the currencies the settings screen offers: those
// whose number of decimals is agreed, and the configured one. IDR and MMK
// need currency_exponent in the config file first (money.Disputed), so
// choosing them here would only make the next start refuse.
func settableCurrencies(current string) []string {
	var out []string
	for _, c := range money.Currencies {
		if _, disputed := money.Disputed(c); !disputed || c == current {
			out = append(out, c)
		}
	}
	return out
}

// accountDB is the order file Settings gives a QFPay account: beside the
// default one, named by its region (or host) and the start of its app
// code, so that switching accounts never opens another account's file.
func accountDB(baseURL, appCode string) string {
	name := baseURL
	if r, ok := payment.LookupRegion(baseURL); ok {
		name = r.Name
	} else if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		name = u.Hostname()
	}
	code := appCode
	if len(code) > 8 {
		code = code[:8]
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '_'
		}, s)
	}
	return filepath.Join(filepath.Dir(config.DefaultDB(false)), "orders-"+clean(name)+"-"+clean(code)+".db")
}
