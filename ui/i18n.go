package ui

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/qfpos/qfpos/assets"
)

// Languages qfpos speaks, as config.Language spells them, in the order
// the settings screen lists them.
var languages = []string{"en", "zh-Hant", "zh-Hans"}

// languageNames are the languages as their speakers name them.
var languageNames = map[string]string{"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}

// translations maps language → key → text, from assets/translations.
var translations = loadTranslations()

func loadTranslations() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range languages {
		data, err := assets.Translations.ReadFile(path.Join("translations", lang+".json"))
		if err != nil {
			panic("ui: translations: " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			panic("ui: translations " + lang + ": " + err.Error())
		}
		out[lang] = m
	}
	return out
}

// translator gives the text of a key in one language, falling back to
// English and then to the key itself.
type translator struct {
	lang string
	m    map[string]string
}

func newTranslator(lang string) *translator {
	m, ok := translations[lang]
	if !ok {
		lang, m = "en", translations["en"]
	}
	return &translator{lang: lang, m: m}
}

// T returns the text for key, formatted with args as by fmt.Sprintf.
func (t *translator) T(key string, args ...any) string {
	s, ok := t.m[key]
	if !ok {
		if s, ok = translations["en"][key]; !ok {
			s = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether key has a text, in t's language or in English.
func (t *translator) has(key string) bool {
	if _, ok := t.m[key]; ok {
		return true
	}
	_, ok := translations["en"][key]
	return ok
}

// customerFacing reports whether the main window speaks to customers: a
// kiosk, outside a staff session (the PIN entered).
func (g *gui) customerFacing() bool {
	return g.cfg.Kiosk && !g.d.Now().Before(g.staffUntil)
}

// words is the text of key for whoever faces the screen: the customer's
// wording ("kiosk."+key, when there is one) on the customer display
// (forCustomer) and on a kiosk outside a staff session, the cashier's
// otherwise. A customer's text may leave out what args fill in (an
// error's wording).
func (g *gui) words(forCustomer bool, key string, args ...any) string {
	if (forCustomer || g.customerFacing()) && g.tr.has("kiosk."+key) {
		s := g.tr.T("kiosk." + key)
		if len(args) > 0 && strings.Contains(s, "%") {
			s = fmt.Sprintf(s, args...)
		}
		return s
	}
	return g.tr.T(key, args...)
}
