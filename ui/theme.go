package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
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
)

// posTheme is the default theme, always in its light variant (a shop
// counter is bright, and the QR sits on white like the rest), with
// qfpos's sizes and colours added.
type posTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return posTheme{theme.DefaultTheme()} }

func (t posTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case colorBanner:
		return color.NRGBA{R: 0xff, G: 0xd6, B: 0x00, A: 0xff}
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
