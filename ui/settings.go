package ui

import (
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
	content   fyne.CanvasObject

	keySet bool // the config file holds a client key
}

func newSettingsScreen(g *gui) *settingsScreen {
	tr := g.tr
	s := &settingsScreen{g: g}
	s.appCode = widget.NewEntry()
	s.clientKey = widget.NewPasswordEntry()
	envs := append([]string{envSandbox}, payment.RegionNames()...)
	s.env = widget.NewSelect(envs, nil)
	s.merchant = widget.NewEntry()
	s.currency = widget.NewSelect(money.Currencies, nil)
	var exp []string
	for _, d := range expiries {
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
	title := widget.NewLabelWithStyle(tr.T("settings.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.content = container.NewBorder(title, container.NewBorder(nil, nil, s.save, nil, s.msg), nil, nil, container.NewVScroll(form))
	return s
}

// load shows the running configuration, with the credentials and the
// environment as the config file has them (what Save changes). The client
// key is never shown: the field stays empty with •••• as placeholder, and
// empty means "keep".
func (s *settingsScreen) load() {
	c, tr := s.g.cfg, s.g.tr
	if fc, err := config.ReadFile(c.Path); err == nil {
		c = fc
	}
	s.keySet = c.ClientKey != ""
	s.appCode.SetText(c.AppCode)
	s.clientKey.SetText("")
	if s.keySet {
		s.clientKey.SetPlaceHolder("•••• " + tr.T("settings.key_keep"))
	} else {
		s.clientKey.SetPlaceHolder(tr.T("settings.key_none"))
	}
	env := envSandbox
	if !c.Sandbox() {
		env = c.BaseURL
		if r, ok := payment.LookupRegion(c.BaseURL); ok {
			env = r.Name
		}
	}
	if !contains(s.env.Options, env) {
		s.env.Options = append(s.env.Options, env)
	}
	s.env.SetSelected(env)
	c = s.g.cfg
	s.merchant.SetText(c.MerchantName)
	s.currency.SetSelected(c.Currency)
	s.expiry.SetSelectedIndex(0)
	for i, d := range expiries {
		if d == c.QRExpiry {
			s.expiry.SetSelectedIndex(i)
		}
	}
	s.kiosk.SetChecked(c.Kiosk)
	for i, l := range languages {
		if l == c.Language {
			s.language.SetSelectedIndex(i)
		}
	}
	s.msg.SetText("")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// saveNow checks the form, writes the config file and says what needs a
// restart. Language and merchant name apply at once.
func (s *settingsScreen) saveNow() {
	g, tr := s.g, s.g.tr
	g.touch()
	env := s.env.Selected
	appCode := strings.TrimSpace(s.appCode.Text)
	key := strings.TrimSpace(s.clientKey.Text)
	merchant := strings.TrimSpace(s.merchant.Text)
	var baseURL string
	if env != envSandbox {
		u, err := payment.ResolveBaseURL(env)
		if err != nil {
			s.fail(tr.T("settings.bad_env", err.Error()))
			return
		}
		baseURL = u
		if appCode == "" || (key == "" && !s.keySet) {
			s.fail(tr.T("settings.need_credentials"))
			return
		}
	}
	if merchant == "" {
		s.fail(tr.T("settings.need_merchant"))
		return
	}
	expiry := expiries[max(s.expiry.SelectedIndex(), 0)]
	lang := languages[max(s.language.SelectedIndex(), 0)]
	run := g.cfg
	restart := s.currency.Selected != run.Currency || expiry != run.QRExpiry || s.kiosk.Checked != run.Kiosk ||
		(env == envSandbox) != run.Sandbox() || (env != envSandbox && (appCode != run.AppCode || baseURL != run.BaseURL || key != "" && key != run.ClientKey.Reveal()))
	relabel := lang != run.Language || merchant != run.MerchantName
	err := g.saveConfig(func(c *config.Config) {
		if env == envSandbox {
			c.AppCode, c.ClientKey, c.BaseURL, c.MchID = "", "", "", ""
		} else {
			c.AppCode, c.BaseURL = appCode, baseURL
			if key != "" {
				c.ClientKey = config.Secret(key)
			}
		}
		c.MerchantName = merchant
		c.Currency = s.currency.Selected
		c.QRExpiry = expiry
		c.Kiosk = s.kiosk.Checked
		c.Language = lang
	}, func(c *config.Config) {
		// What applies at once; the engine keeps the rest until a restart.
		c.MerchantName, c.Language = merchant, lang
	})
	s.clientKey.SetText("")
	if err != nil {
		s.fail(tr.T("settings.save_failed", err.Error()))
		return
	}
	if relabel {
		g.tr = newTranslator(g.cfg.Language)
		g.build()
		g.show(screenSettings)
		s = g.settings
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
