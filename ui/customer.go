package ui

import (
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/config"
)

// prefCustomerDisplay remembers (in Fyne's preferences) whether the
// customer display was open.
const prefCustomerDisplay = "customer_display"

// The customer display's size is remembered in a small file beside the
// config file (customer-display-size, "WxH"), written when the display
// closes or the app quits. (Fyne's preferences lost it at a quit: they
// save a change made within 100 ms of another only later.) Fyne offers
// no way to read or set a window's position, so where it goes is the
// window manager's choice.
const customerSizeFile = "customer-display-size"

// customerSize is the display's size at its first opening.
var customerSize = fyne.NewSize(800, 600)

// customerDisplay is the optional second window that faces the customer
// at a counter: a welcome, then the QR, then the result.
type customerDisplay struct {
	g        *gui
	win      fyne.Window
	body     *fyne.Container
	welcome  *widget.Label
	amount   *widget.Label // the amount as the cashier types it
	merchant *widget.Label
	idle     fyne.CanvasObject
	qr       *qrScreen
	result   *resultScreen
	screen   string
}

// setCustomerDisplay opens or closes the customer display.
func (g *gui) setCustomerDisplay(on bool) {
	switch {
	case on && g.customer == nil:
		c := &customerDisplay{g: g, win: g.app.NewWindow("")}
		g.customer = c
		c.win.SetIcon(Icon)
		c.rebuild()
		c.win.SetCloseIntercept(func() { g.setCustomerDisplay(false) })
		size := customerSize
		var w, h float32
		if b, err := os.ReadFile(g.customerSizePath()); err == nil {
			if _, err := fmt.Sscanf(string(b), "%gx%g", &w, &h); err == nil && w >= 200 && h >= 200 {
				size = fyne.NewSize(w, h)
			}
		}
		c.win.Resize(size)
		c.win.Show()
	case !on && g.customer != nil:
		g.rememberCustomerSize()
		g.customer.win.Close()
		g.customer = nil
	}
	g.app.Preferences().SetBool(prefCustomerDisplay, on)
	if g.nav != nil && g.nav.customer != nil && g.nav.customer.Checked != on {
		g.nav.customer.SetChecked(on)
	}
}

// rememberCustomerSize saves the customer display's size, if it is open.
func (g *gui) rememberCustomerSize() {
	if g.customer == nil {
		return
	}
	size := g.customer.win.Canvas().Size()
	if size.Width < 200 || size.Height < 200 {
		return // not laid out yet
	}
	text := fmt.Sprintf("%gx%g\n", size.Width, size.Height)
	if err := os.WriteFile(g.customerSizePath(), []byte(text), 0o600); err != nil {
		g.d.Log.Info("customer display size not saved", "err", err)
	}
}

// customerSizePath is where the customer display's size is kept: beside
// the config file.
func (g *gui) customerSizePath() string {
	path := g.cfg.Path
	if path == "" {
		path = config.DefaultPath()
	}
	return filepath.Join(filepath.Dir(path), customerSizeFile)
}

// setAmount shows the amount the cashier is typing (as typed, in the
// currency's format) instead of the welcome; "" shows the welcome.
func (c *customerDisplay) setAmount(text string) {
	if text == "" {
		c.amount.Hide()
		c.welcome.Show()
		return
	}
	c.amount.SetText(text)
	c.welcome.Hide()
	c.amount.Show()
}

// rebuild makes the display's screens in the current language and shows
// what the main window shows.
func (c *customerDisplay) rebuild() {
	g := c.g
	c.win.SetTitle(g.cfg.MerchantName + " — " + g.tr.T("customer.title")) // the customer's words, no "qfpos"
	c.welcome = widget.NewLabelWithStyle(g.tr.T("customer.welcome"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	c.welcome.SizeName = sizeResult
	c.merchant = widget.NewLabelWithStyle(g.cfg.MerchantName, fyne.TextAlignCenter, fyne.TextStyle{})
	c.merchant.SizeName = theme.SizeNameHeadingText
	icon := canvas.NewImageFromResource(Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(128))
	c.amount = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	c.amount.SizeName = sizeAmount
	c.amount.Hide()
	c.idle = container.NewCenter(container.NewVBox(icon, c.merchant, c.welcome, c.amount))
	if g.amount != nil && g.amount.input != "" {
		c.setAmount(displayAmount(g.cur, g.amount.input))
	}
	c.qr = newQRScreen(g, true)
	c.result = newResultScreen(g, true)
	c.body = container.NewStack(c.idle)
	top := container.NewVBox()
	if b := g.banner(); b != nil {
		top.Add(b)
	}
	c.win.SetContent(container.NewBorder(top, nil, nil, nil, container.NewPadded(c.body)))
	switch {
	case g.sale != nil:
		c.qr.start(g.qr.amount.Text, g.eng.Settings().Expiry)
		c.qr.apply(g.lastEvent, g.cancelling)
		c.show(screenQR)
	case g.screen == screenResult && g.result.outTradeNo != "":
		if o, err := g.eng.Store().Get(g.result.outTradeNo); err == nil {
			c.result.show(o, g.result.state, g.result.amount.Text)
			c.show(screenResult)
		}
	default:
		c.show(screenAmount)
	}
}

// show puts the display on the QR, the result, or (for anything else)
// the welcome.
func (c *customerDisplay) show(name string) {
	var obj fyne.CanvasObject
	switch name {
	case screenQR:
		obj = c.qr.content
	case screenResult:
		obj = c.result.content
	default:
		name, obj = screenAmount, c.idle
	}
	c.screen = name
	c.body.Objects = []fyne.CanvasObject{obj}
	c.body.Refresh()
	c.win.Canvas().Refresh(c.body) // as gui.show: not through Fyne's expiring cache
}
