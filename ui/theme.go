package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// Sizes and colours the screens name; the theme gives them values, so no
// screen holds a literal.
const (
	sizeAmount  fyne.ThemeSizeName  = "qfposAmount"  // the amount being typed / charged
	sizeResult  fyne.ThemeSizeName  = "qfposResult"  // "Paid", "Cancelled"…
	sizeKey     fyne.ThemeSizeName  = "qfposKey"     // text on keypad keys
	sizeBanner  fyne.ThemeSizeName  = "qfposBanner"  // the sandbox banner
	colorBanner fyne.ThemeColorName = "qfposBanner"  // sandbox banner background
	colorOnBann fyne.ThemeColorName = "qfposOnBann"  // sandbox banner text
	colorQRDark fyne.ThemeColorName = "qfposQRDark"  // QR modules
	colorQRLite fyne.ThemeColorName = "qfposQRLight" // QR background and quiet zone
	colorBar    fyne.ThemeColorName = "qfposBar"     // bars of the hourly chart

	// colorSecondary is secondary text: order numbers, hints, notes,
	// "cancelled"/"expired" in lists. Fyne draws low-importance labels
	// and place holders in its "disabled" colour, about 1.3:1 on white;
	// secondary (below) redraws them in this one.
	colorSecondary fyne.ThemeColorName = "qfposSecondary"
	// colorUrgent is the countdown's bar in its last 30 s.
	colorUrgent fyne.ThemeColorName = "qfposUrgent"
)

// The palette. Every colour text is drawn in meets WCAG AA on the
// background it is drawn on (TestThemeContrast): 4.5:1, or 3:1 for large
// text. The app is always light, so there is no dark palette.
var (
	paletteSecondary = color.NRGBA{R: 0x5f, G: 0x5f, B: 0x5f, A: 0xff} // 6.4:1 on white
	palettePrimary   = color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff} // 5.8:1 with white
	paletteSuccess   = color.NRGBA{R: 0x1b, G: 0x7a, B: 0x34, A: 0xff} // 5.4:1 with white
	paletteWarning   = color.NRGBA{R: 0xa8, G: 0x4e, B: 0x00, A: 0xff} // 5.3:1 with white
	paletteError     = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff} // 5.6:1 with white
	paletteOnColour  = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff} // text on the colours above
	paletteBanner    = color.NRGBA{R: 0xff, G: 0xd6, B: 0x00, A: 0xff} // sandbox banner
)

// posTheme is the default theme, always in its light variant (a shop
// counter is bright, and the QR sits on white like the rest), with
// qfpos's sizes and colours added.
type posTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return posTheme{theme.DefaultTheme()} }

func (t posTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case colorSecondary, theme.ColorNamePlaceHolder:
		return paletteSecondary
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return palettePrimary
	case theme.ColorNameSuccess:
		return paletteSuccess
	case theme.ColorNameWarning:
		return paletteWarning
	case theme.ColorNameError, colorUrgent:
		return paletteError
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnSuccess,
		theme.ColorNameForegroundOnWarning, theme.ColorNameForegroundOnError:
		return paletteOnColour
	case colorBanner:
		return paletteBanner
	case colorOnBann:
		return color.Black
	case colorQRDark:
		return color.Black // a QR must be dark on light whatever the variant
	case colorQRLite:
		return color.White
	case colorBar:
		return t.Theme.Color(theme.ColorNamePrimary, theme.VariantLight)
	}
	return t.Theme.Color(n, theme.VariantLight)
}

func (t posTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case sizeAmount:
		return 48
	case sizeResult:
		return 44
	case sizeKey:
		return 28
	case sizeBanner:
		return 15
	}
	return t.Theme.Size(n)
}

// keyTheme makes the text of the widgets it overrides keypad-sized.
type keyTheme struct{ fyne.Theme }

func (t keyTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return t.Theme.Size(sizeKey)
	case theme.SizeNameInlineIcon:
		return t.Theme.Size(sizeKey) * 1.1
	}
	return t.Theme.Size(n)
}

// secondaryTheme draws the low-importance text of what it overrides in
// the secondary colour instead of Fyne's pale "disabled" grey; disabled
// buttons elsewhere keep it. Wrap secondary text in secondary().
type secondaryTheme struct{ fyne.Theme }

func (t secondaryTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameDisabled {
		n = colorSecondary
	}
	return t.Theme.Color(n, v)
}

// secondary shows o with its low-importance text readable.
func secondary(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, secondaryTheme{newTheme()})
}

// onColourTheme draws text (the foreground) in the colour for text on a
// coloured ground: the result banner.
type onColourTheme struct{ fyne.Theme }

func (t onColourTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameForeground {
		n = theme.ColorNameForegroundOnSuccess
	}
	return t.Theme.Color(n, v)
}

// urgentTheme draws the countdown's bar in the urgent colour.
type urgentTheme struct{ fyne.Theme }

func (t urgentTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNamePrimary {
		n = colorUrgent
	}
	return t.Theme.Color(n, v)
}
