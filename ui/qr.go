package ui

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// qrCode draws a QR code as the largest square that fits its size, quiet
// zone included, dark on light. Modules take the whole square: some are
// a pixel wider than others (as in print), which phones read as well, and
// the code is up to a module's worth of pixels larger than with
// whole-pixel modules (≈ 390 px rather than ≈ 340 at 800×480).
type qrCode struct {
	widget.BaseWidget
	content string
	bitmap  [][]bool // modules with the 4-module quiet zone; nil when empty
	dark    color.Color
	light   color.Color
}

func newQRCode() *qrCode {
	q := &qrCode{}
	q.ExtendBaseWidget(q)
	return q
}

// SetContent encodes s (medium error correction) and redraws.
func (q *qrCode) SetContent(s string) error {
	if s == q.content {
		return nil
	}
	q.content, q.bitmap = s, nil
	if s != "" {
		c, err := qrcode.New(s, qrcode.Medium)
		if err != nil {
			q.content = ""
			q.Refresh()
			return err
		}
		q.bitmap = c.Bitmap()
	}
	q.Refresh()
	return nil
}

// MinSize leaves the size to the layout; a phone still reads a QR of this
// size on an 800×480 screen.
func (q *qrCode) MinSize() fyne.Size { return fyne.NewSquareSize(160) }

func (q *qrCode) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRaster(q.draw)
	r.ScaleMode = canvas.ImageScalePixels
	return &qrRenderer{q: q, raster: r}
}

type qrRenderer struct {
	q      *qrCode
	raster *canvas.Raster
}

func (r *qrRenderer) Layout(s fyne.Size)           { r.raster.Resize(s) }
func (r *qrRenderer) MinSize() fyne.Size           { return r.q.MinSize() }
func (r *qrRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.raster} }
func (r *qrRenderer) Destroy()                     {}

func (r *qrRenderer) Refresh() {
	r.q.dark, r.q.light = r.q.colors()
	r.raster.Refresh()
}

// colors are the theme's QR colours: dark modules on a light ground.
func (q *qrCode) colors() (dark, light color.Color) {
	th, v := q.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	return th.Color(colorQRDark, v), th.Color(colorQRLite, v)
}

// draw renders the code at w×h pixels: the largest square, centred, on
// the light colour, module i spanning pixels [i·side/n, (i+1)·side/n);
// transparent when there is no code.
func (q *qrCode) draw(w, h int) image.Image {
	bm := q.bitmap
	if len(bm) == 0 || w <= 0 || h <= 0 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	if q.dark == nil {
		q.dark, q.light = q.colors()
	}
	n := len(bm)
	size := max(min(w, h), n) // at least a pixel a module
	x0, y0 := (w-size)/2, (h-size)/2
	edge := func(i int) int { return i * size / n }
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Transparent, q.light, q.dark})
	// The light square (quiet zone included) around the modules.
	for y := max(y0, 0); y < min(y0+size, h); y++ {
		row := img.Pix[y*img.Stride:]
		for x := max(x0, 0); x < min(x0+size, w); x++ {
			row[x] = 1
		}
	}
	for my, line := range bm {
		for mx, on := range line {
			if !on {
				continue
			}
			for y := y0 + edge(my); y < y0+edge(my+1); y++ {
				if y < 0 || y >= h {
					continue
				}
				row := img.Pix[y*img.Stride:]
				for x := x0 + edge(mx); x < x0+edge(mx+1); x++ {
					if x >= 0 && x < w {
						row[x] = 2
					}
				}
			}
		}
	}
	return img
}

// qrScreen is what the customer sees while paying: the QR, the amount,
// the merchant, how to pay, the time left, and how things stand.
type qrScreen struct {
	g         *gui
	qr        *qrCode
	preparing *widget.Activity
	amount    *widget.Label
	merchant  *widget.Label
	scan      *widget.Label
	scanOther *widget.Label
	countdown *widget.ProgressBar
	bar       *container.ThemeOverride // the countdown, red in its last 30 s
	left      *widget.Label
	status    *widget.Label
	order     *widget.Label
	cancel    *widget.Button
	content   fyne.CanvasObject
	confirm   *msgBox // the cancel confirmation when open
	customer  bool    // the customer display's copy: the customer's wording

	expiresAt time.Time
	total     time.Duration

	code    *fyne.Container   // the QR and what lies over it
	dim     fyne.CanvasObject // the veil (hiding the QR) and its note; in code while dimmed
	dimNote *widget.Label
	dimmed  bool
}

// troubleDim is how long QFPay may stay unreachable before the QR is
// dimmed and the cashier told to look at the customer's phone.
const troubleDim = 30 * time.Second

// newQRScreen makes the QR screen; the customer display's copy
// (customer) has no Cancel.
func newQRScreen(g *gui, customer bool) *qrScreen {
	s := &qrScreen{g: g, qr: newQRCode(), preparing: widget.NewActivity(), customer: customer}
	s.amount = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.amount.SizeName = sizeAmount
	s.merchant = widget.NewLabelWithStyle(g.cfg.MerchantName, fyne.TextAlignCenter, fyne.TextStyle{})
	s.merchant.SizeName = theme.SizeNameSubHeadingText
	s.merchant.Truncation = fyne.TextTruncateEllipsis
	s.scan = widget.NewLabelWithStyle(g.tr.T("qr.scan"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.scan.SizeName = theme.SizeNameSubHeadingText
	s.scan.Wrapping = fyne.TextWrapWord
	s.scanOther = widget.NewLabelWithStyle(scanInOtherLanguages(g.tr.lang), fyne.TextAlignCenter, fyne.TextStyle{})
	s.scanOther.SizeName = theme.SizeNameText
	s.scanOther.Wrapping = fyne.TextWrapWord
	s.countdown = widget.NewProgressBar()
	s.countdown.TextFormatter = func() string { return "" }
	s.bar = container.NewThemeOverride(s.countdown, newTheme())
	s.left = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.status = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.status.Wrapping = fyne.TextWrapWord
	s.order = newOrderLabel()
	s.cancel = widget.NewButtonWithIcon(g.tr.T("qr.cancel"), theme.CancelIcon(), s.askCancel)
	s.cancel.Importance = widget.DangerImportance
	if customer {
		// Facing the customer: no Cancel, no order number, and the
		// instruction on one line.
		s.cancel.Hide()
		s.order.Hide()
		s.scan.Wrapping = fyne.TextWrapOff
	}
	info := container.NewVBox(
		s.merchant,
		s.amount,
		s.scan,
		s.scanOther,
		layout.NewSpacer(),
		container.NewBorder(nil, nil, nil, s.left, s.bar),
		s.status,
		secondary(s.order),
		s.cancel,
	)
	s.code = container.NewStack(s.qr, container.NewCenter(s.preparing))
	s.dimNote = widget.NewLabelWithStyle(g.tr.T("qr.dimmed"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.dimNote.Wrapping = fyne.TextWrapWord
	s.dimNote.Importance = widget.DangerImportance
	// Opaque: a faint QR is still read by a phone (and by zbarimg).
	veil := canvas.NewRectangle(color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff})
	s.dim = container.NewStack(veil, container.NewCenter(container.NewPadded(s.dimNote)))
	s.content = container.New(qrLayout{}, s.code, info)
	return s
}

// setDimmed veils the QR (no new customer scans it) and says why, or
// lifts the veil. The veil is in the tree only while it shows.
func (s *qrScreen) setDimmed(on bool) {
	if on == s.dimmed {
		return
	}
	s.dimmed = on
	if on {
		s.code.Add(s.dim)
	} else {
		s.code.Remove(s.dim)
	}
}

// newOrderLabel is the line with the order number under the QR and on
// the result screen, in the secondary colour (placed in secondary()):
// staff read it aloud for refunds.
func newOrderLabel() *widget.Label {
	l := widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	l.Importance = widget.LowImportance
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// scanInOtherLanguages is the instruction in the two languages the screen
// is not in, for customers who read another one.
func scanInOtherLanguages(lang string) string {
	out := ""
	for _, l := range languages {
		if l == lang {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += newTranslator(l).T("qr.scan")
	}
	return out
}

// start shows a new sale before QFPay has answered: no QR yet.
func (s *qrScreen) start(amount string, total time.Duration) {
	s.qr.SetContent("")
	s.setDimmed(false)
	s.preparing.Start()
	s.preparing.Show()
	s.amount.SetText(amount)
	s.merchant.SetText(s.g.cfg.MerchantName)
	s.total, s.expiresAt = total, time.Time{}
	s.countdown.SetValue(1)
	s.left.SetText("")
	s.setUrgent(false)
	s.order.SetText("")
	s.setStatus(s.g.tr.T("qr.preparing"), widget.MediumImportance)
	s.cancel.Enable()
	s.cancel.SetText(s.g.tr.T("qr.cancel"))
}

// apply shows one event of the sale. After troubleDim of failed checks
// (gui.troubleSince) the QR is dimmed and the cashier told what to do,
// as Chinese terminals do: the customer's phone decides.
func (s *qrScreen) apply(ev checkout.Event, cancelling bool) {
	tr := s.g.tr
	long := s.g.troubleLong()
	s.setDimmed(long && s.qr.content != "")
	if long {
		s.preparing.Stop()
		s.preparing.Hide()
		if s.customer {
			s.setStatus(tr.T("qr.trouble_customer"), widget.WarningImportance)
		} else {
			s.setStatus(tr.T("qr.trouble_advice"), widget.DangerImportance)
		}
	}
	if ev.QRCode != "" && ev.State == store.StateAwaiting {
		content := ev.QRCode
		if s.g.d.QRFor != nil {
			content = s.g.d.QRFor(ev.OutTradeNo)
		}
		if err := s.qr.SetContent(content); err != nil {
			s.g.d.Log.Error("cannot draw the QR", "err", err)
		} else {
			s.preparing.Stop()
			s.preparing.Hide()
		}
	}
	if !ev.ExpiresAt.IsZero() {
		s.expiresAt = ev.ExpiresAt
	}
	if ev.OutTradeNo != "" {
		s.order.SetText(tr.T("qr.order", ev.OutTradeNo))
	}
	switch {
	case long:
	case cancelling:
		s.setStatus(s.words("qr.cancelling"), widget.WarningImportance)
	case ev.Trouble != nil:
		s.setStatus(s.words("qr.trouble"), widget.WarningImportance)
	case ev.State == store.StateUnknown || ev.State == store.StateCreating && s.qr.content == "" && ev.Checking:
		s.setStatus(s.words("qr.unknown"), widget.WarningImportance)
	case ev.State == store.StateAwaiting && s.qr.content != "":
		if ev.Checking {
			s.setStatus(s.words("qr.waiting_checking"), widget.MediumImportance)
		} else {
			s.setStatus(s.words("qr.waiting"), widget.MediumImportance)
		}
	}
	s.tick(s.g.d.Now())
}

func (s *qrScreen) setStatus(text string, imp widget.Importance) {
	if s.status.Text == text && s.status.Importance == imp {
		return
	}
	s.status.Text = text
	s.status.Importance = imp
	s.status.Refresh()
}

// tick updates the countdown to the QR's expiry.
func (s *qrScreen) tick(now time.Time) {
	if s.expiresAt.IsZero() || s.qr.content == "" {
		return
	}
	left := max(s.expiresAt.Sub(now), 0)
	if s.total > 0 {
		s.countdown.SetValue(min(float64(left)/float64(s.total), 1))
	}
	s.left.SetText(mmss(left))
	s.setUrgent(left <= urgentLeft)
}

// urgentLeft is when the countdown turns red.
const urgentLeft = 30 * time.Second

// setUrgent shows the countdown red (its last 30 s) or as usual.
func (s *qrScreen) setUrgent(on bool) {
	imp := widget.MediumImportance
	var th fyne.Theme = newTheme()
	if on {
		imp, th = widget.DangerImportance, urgentTheme{newTheme()}
	}
	if s.left.Importance == imp {
		return
	}
	s.left.Importance = imp
	s.left.TextStyle.Bold = on
	s.left.Refresh()
	s.bar.Theme = th
	s.bar.Refresh()
}

// words is the text of key for whoever faces this screen.
func (s *qrScreen) words(key string, args ...any) string { return s.g.words(s.customer, key, args...) }

// mmss formats a duration as minutes and seconds, rounding up so that
// 0:00 means expired.
func mmss(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// askCancel confirms before the sale is cancelled, once: Escape while the
// confirmation is open opens no second one on top of it.
func (s *qrScreen) askCancel() {
	g := s.g
	g.touch()
	if s.confirm != nil && g.open[s.confirm.dlg] {
		return
	}
	s.confirm = g.confirm(g.tr.T("cancel.title"), s.words("cancel.text"), g.tr.T("cancel.yes"), g.tr.T("cancel.no"), g.cancelSale)
}
