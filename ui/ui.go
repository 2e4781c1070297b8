// Package ui is qfpos's Fyne GUI: the cashier and kiosk screens. It is the
// only package besides main that imports Fyne; it drives the checkout
// engine below it (Deps) and never talks to QFPay or the order file
// itself.
//
// Threading: Fyne runs every callback on one goroutine. A sale's events,
// the countdown and the background checks run on goroutines of their own
// and hand their results to the UI through gui.do (fyne.Do in the app),
// never touching a widget themselves.
package ui

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	qfapp "github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/assets"
	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
	"github.com/qfpos/qfpos/voice"
)

// AppID is the application ID, as in FyneApp.toml.
const AppID = "io.github.qfpos"

// Icon is the application icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.Icon)

// backspaceIcon is the keypad's backspace key, coloured by the theme.
var backspaceIcon = theme.NewThemedResource(fyne.NewStaticResource("backspace.svg", assets.Backspace))

// Engine is what the GUI needs of the checkout engine; *checkout.Engine
// implements it.
type Engine interface {
	ParseAmount(s string) (int64, error)
	Start(ctx context.Context, req checkout.Request) (*checkout.Sale, error)
	Recover(ctx context.Context) ([]checkout.Settled, error)
	Check(ctx context.Context, outTradeNo string) (*store.Order, error)
	Refund(ctx context.Context, outTradeNo string, amount int64) (store.Refund, error)
	Store() *store.Store
	Settings() checkout.Settings
}

// Deps is what the GUI runs on. Run fills it from the command line's
// wiring; tests fill it with a real engine on a temporary store and the
// in-process sandbox.
type Deps struct {
	Config *config.Config
	Engine Engine
	Log    *slog.Logger // nil discards

	// Do runs f on the UI goroutine; nil means fyne.Do. Tests queue f and
	// run it on the test goroutine.
	Do func(f func())
	// Now is the wall clock of the countdown and the day views; nil means
	// time.Now.
	Now func() time.Time
	// Chime plays the paid sound; nil means playChime (a system player
	// when one is installed, else silence).
	Chime func()
	// Speak says the amount of a paid sale aloud; nil means voice.Speak
	// (espeak-ng and a system player; an error leaves the chime alone).
	Speak speakFunc
	// ResultDelay is how long a result stays before the next sale
	// (default 6 s); an unknown outcome stays until someone taps.
	ResultDelay time.Duration
	// IdleTimeout sends a kiosk back to the amount screen (default 60 s).
	IdleTimeout time.Duration
	// Tick is how often the countdown updates (default 250 ms).
	Tick time.Duration
	// RecheckUnknown is the first wait before an unknown outcome is asked
	// again (default 5 s, doubling to a minute).
	RecheckUnknown time.Duration
	// QRFor, when set, is what the customer's QR encodes for an order
	// instead of QFPay's qrcode: the WeChat JSAPI page of that order
	// (jsapi_public_url set), whose non-WeChat fallback is the QFPay QR.
	QRFor func(outTradeNo string) string
	// API, when set, is where the local API is served: Settings shows the
	// LAN certificate's fingerprint, for pinning.
	API func() qfapp.API
}

func (d *Deps) fill() {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Do == nil {
		d.Do = fyne.Do
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Chime == nil {
		d.Chime = playChime
	}
	if d.Speak == nil {
		d.Speak = voice.Speak
	}
	if d.ResultDelay <= 0 {
		d.ResultDelay = 6 * time.Second
	}
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = time.Minute
	}
	if d.Tick <= 0 {
		d.Tick = 250 * time.Millisecond
	}
	if d.RecheckUnknown <= 0 {
		d.RecheckUnknown = 5 * time.Second
	}
}

// Run opens the cashier (or kiosk) window on the app's engine and blocks
// until the app quits. Unfinished orders are recovered in the background
// while the window opens.
//
// Quitting (the close button, the kiosk's staff menu, SIGINT or SIGTERM)
// arms a watchdog: a sale still open is cancelled at QFPay and confirmed
// within shutdownBudget, or recorded unknown, and the process ends at the
// latest watchdogGrace later, even if Fyne's own shutdown hangs
// (docs/upstream-fyne-shutdown.md).
func Run(ctx context.Context, a *qfapp.App) error {
	fa := newApp()
	fa.SetIcon(Icon)
	eng, err := a.Engine()
	if err != nil {
		// An order file of another identity, a damaged one: say why in a
		// window of its own, and return the error for stderr and the
		// exit code.
		w := startError(fa, newTranslator(a.Config.Language), err)
		stopped := detachStopHook(fa.Lifecycle())
		w.ShowAndRun()
		if stopped != nil {
			stopped()
		}
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	sales := &saleTracker{Engine: eng}
	d := Deps{Config: a.Config, Engine: sales, Log: a.Log, API: a.API}
	if a.Config.JSAPIPublicURL != "" {
		// WeChat JSAPI switched on: customers scan our page's address.
		pages, err := a.StartJSAPI("", "")
		if err != nil {
			return err
		}
		defer pages.Close()
		d.QRFor = pages.OrderURL
	}
	wd := newWatchdog(sales, d.Log, shutdownBudget, watchdogGrace, os.Exit)
	defer wd.disarm()
	qa := &quitApp{App: fa}
	g := newGUI(ctx, qa, d)
	qa.before = func() { wd.arm(); g.quitting.Store(true) }
	stopped := detachStopHook(fa.Lifecycle())
	go func() {
		<-ctx.Done()
		// SIGINT or SIGTERM (Fyne quits on them by itself too): from now
		// on nothing else is handed to the UI goroutine.
		qa.before()
		g.doAlways(qa.Quit) // a no-op once the loop is over: nothing left to quit
	}()
	a.SetTill(g) // the local API's sales show here (api.go)
	defer a.SetTill(nil)
	g.startRecover()
	g.win.ShowAndRun()
	if stopped != nil {
		stopped() // Fyne's own stop hook (saves the preferences), see detachStopHook
	}
	// Fyne quits on SIGTERM by itself, maybe before a function handed to
	// do runs: the display's size is saved once the loop is over.
	g.rememberCustomerSize()
	g.shutdown(time.Until(wd.arm().Add(shutdownBudget)))
	return nil
}

// newApp makes the Fyne app; tests make a test app.
var newApp = func() fyne.App { return app.NewWithID(AppID) }

// Screen names.
const (
	screenAmount   = "amount"
	screenQR       = "qr"
	screenResult   = "result"
	screenHistory  = "history"
	screenSettings = "settings"
)

// gui is the app: its windows, its screens and the sale under way. Its
// fields are touched on the UI goroutine only.
type gui struct {
	ctx context.Context
	app fyne.App
	win fyne.Window
	d   Deps
	cfg *config.Config
	eng Engine
	cur money.Currency
	tr  *translator

	// doMu and uiOver make do a no-op once the UI loop is over (shutdown):
	// fyne.Do would then run f at once on the caller's goroutine, beside
	// the shutdown and every other goroutine.
	doMu   sync.Mutex
	uiOver bool
	// quitting is set when the app is asked to quit: do hands nothing
	// more to Fyne, whose queue is being shut down (see quitApp).
	quitting atomic.Bool

	body   *fyne.Container // holds the current screen
	nav    *navBar
	screen string

	amount   *amountScreen
	qr       *qrScreen
	result   *resultScreen
	history  *historyScreen
	settings *settingsScreen

	customer *customerDisplay // nil when off

	sale       *checkout.Sale // the sale under way, nil when none
	saleSeq    int            // bumps with every sale; stale events are dropped
	cancelling bool
	lastEvent  checkout.Event
	// troubleSince is when QFPay stopped answering the sale's checks, zero
	// while it answers (see troubleLong).
	troubleSince time.Time

	resultSeq     int       // bumps with every result shown, for its timer
	lastActivity  time.Time // for the kiosk's idle timeout
	staffUntil    time.Time // the PIN was entered; staff screens open until then
	pinFailures   int
	pinLockUntil  time.Time
	pin           *pinPad                // the PIN dialog when open
	lastMsg       *msgBox                // the last message dialog
	open          map[dialog.Dialog]bool // every dialog shown and not closed yet
	keyed         []keyedDialog          // dialogs' Enter and Escape, the top one last
	closing       bool                   // quit asked while a sale runs
	stopIdle      func()                 // stops the kiosk idle watcher
	unknownWatch  []string               // out_trade_nos being re-checked
	recoverNotice string                 // what start-up recovery found, kept during a sale
}

// newGUI builds the main window and its screens. Run and the tests call it.
func newGUI(ctx context.Context, a fyne.App, d Deps) *gui {
	d.fill()
	a.Settings().SetTheme(newTheme())
	cfg := d.Config
	g := &gui{
		ctx: ctx,
		app: a,
		d:   d,
		cfg: cfg,
		eng: d.Engine,
		cur: d.Engine.Settings().Currency,
		tr:  newTranslator(cfg.Language),
	}
	g.win = a.NewWindow("qfpos")
	g.win.SetIcon(Icon)
	g.build()
	g.win.Resize(fyne.NewSize(1024, 640))
	g.win.SetCloseIntercept(g.closeRequested)
	g.win.Canvas().SetOnTypedRune(g.typedRune)
	g.win.Canvas().SetOnTypedKey(g.typedKey)
	if cfg.Kiosk {
		g.win.SetFullScreen(true)
		g.startIdleWatch()
	} else if a.Preferences().Bool(prefCustomerDisplay) {
		g.setCustomerDisplay(true)
	}
	g.lastActivity = g.d.Now()
	return g
}

// build (re)creates every screen in the current language and shows the
// amount screen.
func (g *gui) build() {
	g.win.SetTitle(g.title())
	g.amount = newAmountScreen(g)
	g.qr = newQRScreen(g, false)
	g.result = newResultScreen(g, false)
	g.history = newHistoryScreen(g)
	g.settings = newSettingsScreen(g)
	g.nav = newNavBar(g)
	g.body = container.NewStack(g.amount.content)
	g.screen = screenAmount
	top := container.NewVBox()
	if b := g.banner(); b != nil {
		top.Add(b)
	}
	top.Add(g.nav.content)
	g.win.SetContent(container.NewBorder(top, nil, nil, nil, container.NewPadded(g.body)))
	if g.customer != nil {
		g.customer.rebuild()
	}
}

// banner is the plain sandbox notice on top of every screen, or nil with
// real credentials.
func (g *gui) banner() fyne.CanvasObject {
	if !g.cfg.Sandbox() {
		return nil
	}
	th := g.app.Settings().Theme()
	v := g.app.Settings().ThemeVariant()
	bg := canvas.NewRectangle(th.Color(colorBanner, v))
	txt := canvas.NewText(g.tr.T("banner.sandbox"), th.Color(colorOnBann, v))
	txt.TextSize = th.Size(sizeBanner)
	txt.TextStyle.Bold = true
	txt.Alignment = fyne.TextAlignCenter
	return container.NewStack(bg, container.NewPadded(txt))
}

// show puts a screen in the main window.
func (g *gui) show(name string) {
	var c fyne.CanvasObject
	switch name {
	case screenAmount:
		c = g.amount.content
	case screenQR:
		c = g.qr.content
	case screenResult:
		c = g.result.content
	case screenHistory:
		c = g.history.content
		g.history.reload()
	case screenSettings:
		c = g.settings.content
		g.settings.load()
	default:
		panic("ui: no screen " + name)
	}
	if g.cfg.Kiosk && name == screenAmount {
		g.staffUntil = time.Time{} // back to customers: the staff session ends
	}
	g.screen = name
	g.body.Objects = []fyne.CanvasObject{c}
	g.body.Refresh()
	// Container.Refresh finds its canvas through Fyne's object cache, whose
	// entries expire (a minute) and are dropped on a repaint: a kiosk left on
	// History went back to the amount screen unseen, nothing else asking
	// for a frame. The window's canvas is asked directly.
	g.win.Canvas().Refresh(g.body)
	g.win.Canvas().Unfocus()
	g.nav.update()
	g.touch()
}

// do runs f on the UI goroutine (Deps.Do), or not at all once the app
// is quitting or the UI loop is over. Goroutines hand their results to
// the UI through it; f must not call do itself.
func (g *gui) do(f func()) {
	if g.quitting.Load() {
		return
	}
	g.doAlways(f)
}

// doAlways is do even while quitting: for the quit itself.
func (g *gui) doAlways(f func()) {
	g.doMu.Lock()
	defer g.doMu.Unlock()
	if !g.uiOver {
		g.d.Do(f)
	}
}

// endUI makes do a no-op from now on. After it returns no f handed to do
// runs any more, so the caller owns the gui's fields.
func (g *gui) endUI() {
	g.doMu.Lock()
	g.uiOver = true
	g.doMu.Unlock()
}

// touch records activity, for the kiosk's idle timeout.
func (g *gui) touch() { g.lastActivity = g.d.Now() }

// busy reports whether a sale is under way or its result is showing.
func (g *gui) busy() bool { return g.sale != nil }

// typedRune is the physical keyboard when no entry has the focus.
func (g *gui) typedRune(r rune) {
	g.touch()
	if g.screen == screenAmount && len(g.open) == 0 { // not behind a dialog
		switch {
		case r >= '0' && r <= '9':
			g.amount.press(string(r))
		case r == '.' || r == ',':
			g.amount.press(".")
		}
	}
}

// typedKey handles Enter, Backspace, Delete and Escape.
func (g *gui) typedKey(e *fyne.KeyEvent) {
	g.touch()
	if g.dialogKey(e.Name) {
		return
	}
	switch g.screen {
	case screenAmount:
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			g.charge()
		case fyne.KeyBackspace:
			g.amount.press(keyBack)
		case fyne.KeyDelete, fyne.KeyEscape:
			g.amount.press(keyClear)
		}
	case screenQR:
		if e.Name == fyne.KeyEscape && !g.qr.cancel.Disabled() {
			g.qr.askCancel()
		}
	case screenResult:
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape, fyne.KeySpace:
			g.newSale()
		}
	}
}

// closeRequested is the window's close button: a running sale is
// cancelled properly first, and a kiosk wants the PIN.
func (g *gui) closeRequested() {
	quit := func() {
		g.rememberCustomerSize()
		if g.sale != nil {
			g.closing = true
			g.sale.Cancel()
			g.message(g.tr.T("quit.title"), g.tr.T("quit.wait"))
			return
		}
		g.app.Quit()
	}
	if g.cfg.Kiosk {
		g.requirePIN(quit)
		return
	}
	if g.sale != nil {
		g.confirm(g.tr.T("quit.title"), g.tr.T("quit.sale"), g.tr.T("quit.yes"), g.tr.T("button.back"), quit)
		return
	}
	quit()
}

// shutdown cancels a sale still running when the app quits and waits for
// it to settle (closed at QFPay and verified), at most timeout; past it
// the sale is recorded unknown (checkout.Sale.Abandon), for Recover to
// settle at the next start. The UI loop is over: the sale's events, the
// countdown, the result timer and the unknown-order checks no longer
// reach the widgets.
func (g *gui) shutdown(timeout time.Duration) {
	g.endUI()
	if g.stopIdle != nil {
		g.stopIdle()
	}
	s := g.sale
	if s == nil {
		return
	}
	s.Cancel()
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	select {
	case <-s.Done():
	case <-t.C:
		abandon(s, g.d.Log)
	}
}

// startRecover settles unfinished orders from an earlier run, in the
// background, without delaying the window. What the cashier must act on
// is shown once it is done (recovered).
func (g *gui) startRecover() {
	eng, ctx, log := g.eng, g.ctx, g.d.Log
	go func() {
		res, err := eng.Recover(ctx)
		if err != nil {
			log.Warn("recover", "err", err)
		}
		for _, r := range res {
			log.Info("recovered", "out_trade_no", r.OutTradeNo, "from", r.From, "to", r.To, "note", r.Note, "err", r.Err)
		}
		g.do(func() { g.recovered(res) })
	}()
}

// recovered tells the cashier, in their language, what start-up recovery
// found that needs them: a sale paid twice (refund one), or orders whose
// outcome is still unknown (do not charge again). During a sale it waits
// for the next amount screen (newSale).
func (g *gui) recovered(res []checkout.Settled) {
	var lines []string
	for _, r := range res {
		switch {
		case strings.Contains(r.Note, "paid twice"):
			nos := r.OutTradeNo
			if _, after, ok := strings.Cut(r.Note, "refund one: "); ok {
				nos = strings.ReplaceAll(after, " and ", ", ")
			}
			lines = append(lines, g.tr.T("recover.paid_twice", nos))
		case r.To == store.StateUnknown || r.To == store.StateCreating:
			lines = append(lines, g.tr.T("recover.unknown", r.OutTradeNo))
		}
	}
	if len(lines) == 0 {
		return
	}
	g.recoverNotice = strings.Join(lines, "\n\n")
	if !g.busy() && g.screen != screenQR {
		g.showRecoverNotice()
	}
}

// showRecoverNotice shows what recovered kept for later, if anything.
func (g *gui) showRecoverNotice() {
	if g.recoverNotice != "" {
		g.message(g.tr.T("recover.title"), g.recoverNotice)
		g.recoverNotice = ""
	}
}

// startIdleWatch sends an idle kiosk back to the amount screen.
func (g *gui) startIdleWatch() {
	ctx, stop := context.WithCancel(g.ctx)
	g.stopIdle = stop
	every := min(g.d.IdleTimeout/4, 5*time.Second)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				g.do(g.checkIdle)
			}
		}
	}()
}

// checkIdle is the kiosk idle timeout: staff screens close and a half
// typed amount is cleared.
func (g *gui) checkIdle() {
	if g.d.Now().Sub(g.lastActivity) < g.d.IdleTimeout || g.busy() {
		return
	}
	switch g.screen {
	case screenHistory, screenSettings:
		g.closeDialogs()
		g.staffUntil = time.Time{}
		g.show(screenAmount)
	case screenAmount:
		if g.amount.input != "" || g.amount.item.Text != "" {
			g.amount.reset()
		}
		g.closeDialogs()
	}
	g.resetLanguage()
}

// closeDialogs hides every open dialog: PIN, messages, the refund form,
// the CSV file chooser.
func (g *gui) closeDialogs() {
	if g.pin != nil {
		g.pin.dlg.Hide()
		g.pin = nil
	}
	for d := range g.open {
		d.Hide()
	}
	clear(g.open)
}

// navBar is the row on top: the screens a cashier may go to, or in kiosk
// mode only the staff button.
type navBar struct {
	g                       *gui
	sale, history, settings *widget.Button
	staff                   *widget.Button            // kiosk only
	langs                   map[string]*widget.Button // kiosk only: the language toggle
	customer                *widget.Check             // counter only
	mode                    *widget.Label
	content                 fyne.CanvasObject
}

func newNavBar(g *gui) *navBar {
	n := &navBar{g: g}
	n.mode = widget.NewLabelWithStyle(g.modeText(), fyne.TextAlignTrailing, fyne.TextStyle{})
	n.mode.Importance = widget.LowImportance
	n.mode.Truncation = fyne.TextTruncateEllipsis
	if g.cfg.Sandbox() {
		n.mode.Hide() // the banner says it
	}
	if g.cfg.Kiosk {
		n.mode.Hide() // customers need not know which QFPay; staff see it in Settings
		n.staff = widget.NewButtonWithIcon(g.tr.T("nav.staff"), theme.AccountIcon(), g.openStaff)
		n.staff.Importance = widget.LowImportance
		// The language toggle: each language in its own name, the one
		// shown highlighted; a tap switches the kiosk at once, and the
		// idle reset goes back to the configured one.
		n.langs = map[string]*widget.Button{}
		row := container.NewHBox()
		for _, l := range languages {
			b := widget.NewButton(languageNames[l], func() { g.setLanguage(l) })
			if l == g.tr.lang {
				b.Importance = widget.HighImportance
			}
			n.langs[l] = b
			row.Add(b)
		}
		n.content = container.NewBorder(nil, nil, row, n.staff, secondary(n.mode))
		return n
	}
	n.sale = widget.NewButtonWithIcon(g.tr.T("nav.sale"), theme.HomeIcon(), func() { g.show(screenAmount) })
	n.history = widget.NewButtonWithIcon(g.tr.T("nav.history"), theme.HistoryIcon(), func() { g.show(screenHistory) })
	n.settings = widget.NewButtonWithIcon(g.tr.T("nav.settings"), theme.SettingsIcon(), func() { g.requirePIN(func() { g.show(screenSettings) }) })
	n.customer = widget.NewCheck(g.tr.T("nav.customer"), func(on bool) {
		if on != (g.customer != nil) {
			g.setCustomerDisplay(on)
		}
		// The box keeps no focus: typed digits go to the amount again,
		// in this window rather than the display just opened.
		g.win.Canvas().Unfocus()
		g.win.RequestFocus()
	})
	n.customer.Checked = g.customer != nil
	n.content = container.NewBorder(nil, nil, container.NewHBox(n.sale, n.history, n.settings, n.customer), nil, secondary(n.mode))
	return n
}

// update enables what may be left for: nothing during a sale.
func (n *navBar) update() {
	busy := n.g.busy() || n.g.screen == screenQR
	buttons := []*widget.Button{n.sale, n.history, n.settings, n.staff}
	for _, b := range n.langs {
		buttons = append(buttons, b)
	}
	for _, b := range buttons {
		if b == nil {
			continue
		}
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	for b, screen := range map[*widget.Button]string{n.sale: screenAmount, n.history: screenHistory, n.settings: screenSettings} {
		if b == nil {
			continue
		}
		imp := widget.MediumImportance
		if n.g.screen == screen {
			imp = widget.HighImportance
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
}

// title is the window title: the app's name and its mode, in the current
// language; a kiosk, which faces customers, shows the merchant's name.
func (g *gui) title() string {
	if g.cfg.Kiosk {
		return g.cfg.MerchantName
	}
	return "qfpos — " + g.modeText()
}

// setLanguage switches the screens to another language at once (the
// kiosk's language toggle), keeping what was typed. Not during a sale.
func (g *gui) setLanguage(lang string) {
	g.touch()
	if lang == g.tr.lang || g.busy() || g.screen != screenAmount || g.amount.starting {
		return
	}
	input, item := g.amount.input, g.amount.item.Text
	g.tr = newTranslator(lang)
	g.build()
	g.amount.input = input
	g.amount.item.SetText(item)
	g.amount.refresh()
}

// resetLanguage goes back to the configured language (the kiosk's idle
// reset, after a customer chose another).
func (g *gui) resetLanguage() {
	if want := newTranslator(g.cfg.Language).lang; g.tr.lang != want && g.screen == screenAmount {
		g.setLanguage(want)
	}
}

// modeText tells people which QFPay the app talks to, plainly, in the
// current language.
func (g *gui) modeText() string {
	switch {
	case g.cfg.Sandbox():
		return g.tr.T("mode.sandbox")
	case g.cfg.Live():
		return g.tr.T("mode.live", g.cfg.Mode())
	}
	return g.tr.T("mode.test", g.cfg.Mode())
}

// openStaff is the kiosk's way to the staff screens, behind the PIN.
func (g *gui) openStaff() {
	g.requirePIN(func() {
		var d *msgBox
		hist := widget.NewButtonWithIcon(g.tr.T("nav.history"), theme.HistoryIcon(), func() { d.dlg.Hide(); g.show(screenHistory) })
		set := widget.NewButtonWithIcon(g.tr.T("nav.settings"), theme.SettingsIcon(), func() { d.dlg.Hide(); g.show(screenSettings) })
		sale := widget.NewButtonWithIcon(g.tr.T("nav.sale"), theme.HomeIcon(), func() { d.dlg.Hide(); g.show(screenAmount) })
		quit := widget.NewButtonWithIcon(g.tr.T("staff.quit"), theme.LogoutIcon(), func() {
			d.dlg.Hide()
			g.confirm(g.tr.T("quit.title"), g.tr.T("staff.quit_text"), g.tr.T("staff.quit_yes"), g.tr.T("button.back"), g.closeRequested)
		})
		box := container.NewVBox()
		// What the customer was told to wait for, the staff see the rule
		// of: an outcome not known yet is not charged again.
		for _, no := range g.unknownWatch {
			l := widget.NewLabel(g.tr.T("staff.unknown", no))
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			box.Add(l)
		}
		box.Add(sale)
		box.Add(hist)
		box.Add(set)
		box.Add(quit)
		d = g.custom(g.tr.T("nav.staff"), box)
	})
}
