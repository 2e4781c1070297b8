package ui

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG 2's contrast ratio of two colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// opaque is c drawn over bg (Fyne's colours may be translucent).
func opaque(c, bg color.Color) color.Color {
	r, g, b, a := c.RGBA()
	br, bgg, bb, _ := bg.RGBA()
	mix := func(f, k uint32) uint8 { return uint8((f + k*(0xffff-a)/0xffff) >> 8) }
	return color.NRGBA{R: mix(r, br), G: mix(g, bgg), B: mix(b, bb), A: 0xff}
}

// TestThemeContrast checks that every theme colour text is drawn in
// meets WCAG AA on the background it is drawn on: 4.5:1, or 3:1 for
// large text (18 pt, or 14 pt bold, and more). The app always uses the
// light variant.
func TestThemeContrast(t *testing.T) {
	th := newTheme()
	secondary := secondaryTheme{th}
	banner := onColourTheme{th}
	v := theme.VariantLight
	for _, tt := range []struct {
		what   string
		th     fyne.Theme
		fg, bg fyne.ThemeColorName
		large  bool
	}{
		{"text", th, theme.ColorNameForeground, theme.ColorNameBackground, false},
		{"text in a dialog", th, theme.ColorNameForeground, theme.ColorNameOverlayBackground, false},
		{"text on a button", th, theme.ColorNameForeground, theme.ColorNameButton, false},
		{"typed text", th, theme.ColorNameForeground, theme.ColorNameInputBackground, false},
		{"place holder", th, theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, false},
		{"secondary text (order numbers, hints, notes)", th, colorSecondary, theme.ColorNameBackground, false},
		{"low-importance label in secondary()", secondary, theme.ColorNameDisabled, theme.ColorNameBackground, false},
		{"low-importance label in a dialog", secondary, theme.ColorNameDisabled, theme.ColorNameOverlayBackground, false},
		{"Paid, success messages", th, theme.ColorNameSuccess, theme.ColorNameBackground, false},
		{"warnings (expired, cancelled, checking)", th, theme.ColorNameWarning, theme.ColorNameBackground, false},
		{"errors, the countdown's last 30 s", th, theme.ColorNameError, theme.ColorNameBackground, false},
		{"urgent countdown", th, colorUrgent, theme.ColorNameBackground, false},
		{"primary label", th, theme.ColorNamePrimary, theme.ColorNameBackground, false},
		{"Charge, New sale", th, theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, false},
		{"Cancel payment", th, theme.ColorNameForegroundOnError, theme.ColorNameError, false},
		{"Paid banner", banner, theme.ColorNameForeground, theme.ColorNameSuccess, true},
		{"Failed banner", banner, theme.ColorNameForeground, theme.ColorNameError, true},
		{"Expired, cancelled, unknown banner", banner, theme.ColorNameForeground, theme.ColorNameWarning, true},
		{"sandbox banner", th, colorOnBann, colorBanner, false},
	} {
		bg := opaque(tt.th.Color(tt.bg, v), color.White)
		fg := opaque(tt.th.Color(tt.fg, v), bg)
		got := contrast(fg, bg)
		want := 4.5
		if tt.large {
			want = 3
		}
		t.Run(tt.what, func(t *testing.T) {
			if got < want {
				t.Errorf("%s on %s: contrast %.2f:1, want at least %.1f:1 (%s on %s)", tt.fg, tt.bg, got, want, hex(fg), hex(bg))
			}
		})
	}
}

func hex(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func TestContrastFormula(t *testing.T) {
	for _, tt := range []struct {
		a, b color.Color
		want float64
	}{
		{color.Black, color.White, 21},
		{color.White, color.White, 1},
		{color.NRGBA{0x76, 0x76, 0x76, 0xff}, color.White, 4.54},
	} {
		if got := contrast(tt.a, tt.b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%v, %v) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}
