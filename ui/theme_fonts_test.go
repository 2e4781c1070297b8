package ui

import (
	"testing"
	"unicode"
)

// Every character of every translation, and the language names, is in
// the fonts qfpos ships (the CJK subset or Fyne's Latin font), in
// regular and bold: showing qfpos's own texts loads no system font. A
// translation with a new character fails here until the subset is made
// again (go generate ./assets/).
func TestTranslationsInBundledFonts(t *testing.T) {
	check := func(where, s string) {
		t.Helper()
		for _, r := range s {
			if !unicode.IsPrint(r) && r != '\n' {
				continue
			}
			if !bundled(string(r)) {
				t.Errorf("%s: %q (U+%04X) is in no bundled font: run go generate ./assets/", where, r, r)
			}
		}
	}
	for lang, m := range translations {
		for k, v := range m {
			check(lang+" "+k, v)
		}
	}
	for lang, name := range languageNames {
		check("language name "+lang, name)
	}
}

// Text typed at run time may need the system's font: bundled says so, and
// loadFallback loads it without blocking its caller, once per rune.
func TestFallbackFont(t *testing.T) {
	newHarness(t, opts{})
	if !bundled("收款 HK$12.50 · 正在建立付款…") {
		t.Error("qfpos's own text is not bundled")
	}
	if bundled("烏龍茶") { // 烏 and 龍 are in no translation
		t.Fatal("a goods name outside the subset is said to be bundled")
	}
	done := make(chan struct{})
	loadFallback("HK烏龍茶", func() { close(done) })
	<-done
	fallbackMu.Lock()
	seen := fallbackSeen['烏'] && fallbackSeen['龍'] && fallbackSeen['茶'] && !fallbackSeen['H']
	fallbackMu.Unlock()
	if !seen {
		t.Errorf("runes looked up: %v", fallbackSeen)
	}
	called := false
	loadFallback("烏龍", func() { called = true }) // already loaded: nothing to do
	if !called {
		t.Error("done not called for text with nothing to load")
	}
}
