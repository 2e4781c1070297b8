package ui

import (
	"bytes"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"github.com/qfpos/qfpos/assets"
)

// The bundled Chinese font: Noto Sans CJK TC cut down to the characters
// of qfpos's own texts (assets/gen_fonts.go). Text uses it first, Fyne's
// Latin font next; so no text of qfpos needs the system's CJK font,
// which costs ≈ 54 MB of heap and tens of milliseconds to parse.
var (
	cjkRegular = fyne.NewStaticResource("NotoSansCJKtc-qfpos-Regular.otf", assets.CJKRegular)
	cjkBold    = fyne.NewStaticResource("NotoSansCJKtc-qfpos-Bold.otf", assets.CJKBold)
)

// Font is the bundled CJK font for text, and the default theme's for
// monospace and symbols. Fyne falls back, rune by rune, to its Latin
// font and then to the system's fonts.
func (t posTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace || s.Symbol:
		return t.Theme.Font(s)
	case s.Bold:
		return cjkBold
	}
	return cjkRegular
}

// bundledFaces are the fonts qfpos ships, parsed once when first needed:
// the CJK subset and Fyne's Latin font, regular and bold.
var bundledFaces = sync.OnceValue(func() []*font.Face {
	var out []*font.Face
	for _, r := range []fyne.Resource{cjkRegular, cjkBold, theme.DefaultTextFont(), theme.DefaultTextBoldFont()} {
		if f, err := font.ParseTTF(bytes.NewReader(r.Content())); err == nil {
			out = append(out, f)
		}
	}
	return out
})

// bundled reports whether every rune of s has a glyph in the fonts qfpos
// ships (regular and bold), so that showing s loads no system font.
func bundled(s string) bool {
	faces := bundledFaces()
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			continue
		}
		inRegular, inBold := false, false
		for i, f := range faces {
			if _, ok := f.NominalGlyph(r); ok {
				if i%2 == 0 {
					inRegular = true
				} else {
					inBold = true
				}
			}
		}
		if !inRegular || !inBold {
			return false
		}
	}
	return true
}

// fallbackStyle is a text style no widget uses (its tab width is odd),
// so that Fyne keeps a font cache entry of its own for it: loading the
// system font through it touches no cache entry the UI goroutine uses.
var fallbackStyle = fyne.TextStyle{TabWidth: 97}

var (
	fallbackMu   sync.Mutex
	fallbackSeen = map[rune]bool{} // runes whose system font is loaded or loading
)

// loadFallback makes Fyne load, on a goroutine of its own, the system
// fonts that the runes of s outside the bundled fonts need (a Chinese
// goods name typed at run time), so that drawing s later finds them
// parsed. Text of the bundled fonts loads nothing; each rune is looked up
// once per run. done, when set, is called when the fonts are loaded.
func loadFallback(s string, done func()) {
	var missing []rune
	fallbackMu.Lock()
	for _, r := range s {
		if !fallbackSeen[r] && !bundled(string(r)) {
			fallbackSeen[r] = true
			missing = append(missing, r)
		}
	}
	fallbackMu.Unlock()
	if len(missing) == 0 {
		if done != nil {
			done()
		}
		return
	}
	go func() {
		// Measuring resolves each rune's face: Fyne asks the system's font
		// map, which parses the font once and keeps it.
		// (Fyne looks a missing rune up in the regular style whatever the
		// text's style, so one style loads it for all.)
		fyne.MeasureText(string(missing), theme.TextSize(), fallbackStyle)
		if done != nil {
			done()
		}
	}()
}
