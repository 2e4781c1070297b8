package ui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	qfapp "github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/receipt"
	"github.com/qfpos/qfpos/store"
	"github.com/qfpos/qfpos/voice"
)

// paid runs once a sale is confirmed paid, never before: the chime, then
// the amount spoken in the app's language (when voice is on), both off
// the UI goroutine; and the receipt, when printing is automatic.
func (g *gui) paid(o *store.Order) {
	chime, speak := g.d.Chime, g.d.Speak
	say, lang, vol := g.cfg.Voice, g.cfg.Language, g.cfg.VoiceVolume
	cur, err := money.Lookup(o.Currency)
	if err != nil {
		cur = g.cur
	}
	text := voice.Phrase(lang, o.Amount, cur)
	ctx, log := g.ctx, g.d.Log
	go func() {
		chime()
		if say {
			if err := speak(ctx, text, lang, vol); err != nil {
				log.Info("spoken amount not played; the chime was", "err", err)
			}
		}
	}()
	if g.cfg.Printer != "" && g.cfg.PrinterAuto {
		g.result.printReceipt(o)
	}
}

// printJob prints r on the configured printer off the UI goroutine and
// gives the outcome to done on it. The configuration is copied first: a
// settings change while it prints does not race with it.
func (g *gui) printJob(r *receipt.Receipt, done func(err error)) {
	cfg := *g.cfg
	ctx := g.ctx
	go func() {
		err := qfapp.PrintReceipt(ctx, &cfg, r)
		g.do(func() { done(err) })
	}()
}

// receiptRow is the result screen's line about the receipt: printing,
// printed, or did not print with Retry; or a Print button.
type receiptRow struct {
	label   *widget.Label
	button  *widget.Button
	content fyne.CanvasObject
	order   *store.Order
}

func newReceiptRow(s *resultScreen) *receiptRow {
	r := &receiptRow{label: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})}
	r.label.Wrapping = fyne.TextWrapWord
	r.button = widget.NewButtonWithIcon(s.g.tr.T("receipt.print"), theme.DocumentPrintIcon(), func() {
		if r.order != nil {
			s.printReceipt(r.order)
		}
	})
	r.content = container.NewVBox(r.label, container.NewCenter(r.button))
	r.content.Hide()
	return r
}

// showReceipt sets the receipt row for a result: a Print button for a
// paid sale when a printer is set up (auto-print fills it in later).
func (s *resultScreen) showReceipt(o *store.Order, state store.State) {
	r := s.receipt
	if r == nil {
		return
	}
	r.order = nil
	r.label.SetText("")
	if state != store.StatePaid || s.g.cfg.Printer == "" {
		r.content.Hide()
		return
	}
	r.order = o
	r.button.SetText(s.g.tr.T("receipt.print"))
	r.button.Show()
	r.content.Show()
}

// printReceipt prints the receipt of a paid order and says on the result
// screen how it went. A receipt that does not print keeps the screen up
// (it does not go on to the next sale by itself) and offers Retry; the
// sale stays paid whatever the printer does.
func (s *resultScreen) printReceipt(o *store.Order) {
	g, r := s.g, s.receipt
	if r == nil {
		return
	}
	rc, err := qfapp.SaleReceipt(g.cfg, o, "", false)
	if err != nil {
		return
	}
	r.order = o
	r.content.Show()
	r.button.Hide()
	r.label.Importance = widget.MediumImportance
	r.label.SetText(g.tr.T("receipt.printing"))
	g.printJob(rc, func(err error) {
		if s.outTradeNo != o.OutTradeNo {
			return // another result is shown by now
		}
		if err == nil {
			r.label.Importance = widget.SuccessImportance
			r.label.SetText(g.tr.T("receipt.printed"))
			return
		}
		g.d.Log.Warn("receipt did not print", "order", o.OutTradeNo, "err", err)
		r.label.Importance = widget.DangerImportance
		r.label.SetText(g.tr.T("receipt.failed", err.Error()))
		r.button.SetText(g.tr.T("receipt.retry"))
		r.button.Show()
		if g.screen == screenResult && g.result == s {
			g.resultSeq++ // stay until someone has read it
		}
	})
}

// reprintButton is History's Reprint for a paid order, hidden for others
// and when no printer is set up.
func (g *gui) reprintButton(o *store.Order) *widget.Button {
	b := widget.NewButtonWithIcon(g.tr.T("receipt.reprint"), theme.DocumentPrintIcon(), nil)
	b.OnTapped = func() {
		rc, err := qfapp.SaleReceipt(g.cfg, o, "", true)
		if err != nil {
			g.message(g.tr.T("error.title"), err.Error())
			return
		}
		b.Disable()
		g.printJob(rc, func(err error) {
			b.Enable()
			if err != nil {
				g.message(g.tr.T("receipt.failed_title"), g.tr.T("receipt.failed", err.Error()))
			}
		})
	}
	if o.State != store.StatePaid || g.cfg.Printer == "" {
		b.Hide()
	}
	return b
}

// devicesSection is the settings screen's printer and voice section. It
// saves on its own button and applies at once, without a restart.
type devicesSection struct {
	g        *gui
	printer  *widget.Entry
	paper    *widget.Select
	codepage *widget.Select
	auto     *widget.Check
	test     *widget.Button
	voice    *widget.Check
	volume   *widget.Slider
	save     *widget.Button
	msg      *widget.Label
	content  fyne.CanvasObject
}

var papers = []string{"58", "80"}

func newDevicesSection(g *gui) *devicesSection {
	tr := g.tr
	d := &devicesSection{g: g}
	d.printer = widget.NewEntry()
	d.printer.SetPlaceHolder("tcp://192.168.1.50:9100, /dev/usb/lp0, cups:QUEUE")
	var ps []string
	for _, p := range papers {
		ps = append(ps, tr.T("devices.paper_mm", p))
	}
	d.paper = widget.NewSelect(ps, nil)
	var cps []string
	for _, c := range escpos.Codepages {
		cps = append(cps, tr.T("devices.codepage."+string(c)))
	}
	d.codepage = widget.NewSelect(cps, nil)
	d.auto = widget.NewCheck(tr.T("devices.auto_on"), nil)
	d.test = widget.NewButtonWithIcon(tr.T("devices.test"), theme.DocumentPrintIcon(), d.testPrint)
	d.voice = widget.NewCheck(tr.T("devices.voice_on"), nil)
	d.volume = widget.NewSlider(0, 100)
	d.volume.Step = 5
	d.save = widget.NewButtonWithIcon(tr.T("devices.save"), theme.DocumentSaveIcon(), d.saveNow)
	d.msg = widget.NewLabel("")
	d.msg.Wrapping = fyne.TextWrapWord
	printer := widget.NewLabelWithStyle(tr.T("devices.printer_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	vo := widget.NewLabelWithStyle(tr.T("devices.voice_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.content = container.NewVBox(
		widget.NewSeparator(), printer,
		widget.NewForm(
			widget.NewFormItem(tr.T("devices.printer"), d.printer),
			widget.NewFormItem(tr.T("devices.paper"), d.paper),
			widget.NewFormItem(tr.T("devices.codepage"), d.codepage),
			widget.NewFormItem(tr.T("devices.auto"), d.auto),
		),
		vo,
		widget.NewForm(
			widget.NewFormItem(tr.T("devices.voice"), d.voice),
			widget.NewFormItem(tr.T("devices.volume"), d.volume),
		),
		container.NewHBox(d.save, d.test), d.msg,
	)
	return d
}

// load fills the section from the config file alone, as the settings
// form does.
func (d *devicesSection) load() {
	c, err := config.ReadFile(d.g.cfg.Path)
	if err != nil {
		c = config.Defaults()
	}
	d.printer.SetText(c.Printer)
	d.paper.SetSelectedIndex(max(indexOf(papers, strconv.Itoa(c.PrinterPaper)), 0))
	cp, _ := escpos.ParseCodepage(c.PrinterCodepage)
	for i, v := range escpos.Codepages {
		if v == cp {
			d.codepage.SetSelectedIndex(i)
		}
	}
	d.auto.SetChecked(c.PrinterAuto)
	d.voice.SetChecked(c.Voice)
	d.volume.SetValue(float64(c.VoiceVolume))
	d.msg.SetText("")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// values reads the section, checking the printer setting.
func (d *devicesSection) values() (printer string, paper int, cp string, err error) {
	printer = d.printer.Text
	if printer != "" {
		if _, err := escpos.ParseTarget(printer); err != nil {
			return "", 0, "", err
		}
	}
	paper, _ = strconv.Atoi(papers[max(d.paper.SelectedIndex(), 0)])
	cp = string(escpos.Codepages[max(d.codepage.SelectedIndex(), 0)])
	return printer, paper, cp, nil
}

func (d *devicesSection) saveNow() {
	g, tr := d.g, d.g.tr
	g.touch()
	printer, paper, cp, err := d.values()
	if err != nil {
		d.fail(tr.T("devices.bad_printer", err.Error()))
		return
	}
	auto, on, vol := d.auto.Checked, d.voice.Checked, int(d.volume.Value)
	set := func(c *config.Config) {
		c.Printer, c.PrinterPaper, c.PrinterCodepage, c.PrinterAuto = printer, paper, cp, auto
		c.Voice, c.VoiceVolume = on, vol
	}
	if err := g.saveConfig(set, set); err != nil {
		d.fail(tr.T("settings.save_failed", err.Error()))
		return
	}
	d.msg.Importance = widget.SuccessImportance
	d.msg.SetText(tr.T("settings.saved", g.cfg.Path))
}

// testPrint prints a test page with the section's settings, saved or not.
func (d *devicesSection) testPrint() {
	g, tr := d.g, d.g.tr
	printer, paper, cp, err := d.values()
	if err == nil && printer == "" {
		err = fmt.Errorf("%w", escpos.ErrNoPrinter)
	}
	if err != nil {
		d.fail(tr.T("devices.bad_printer", err.Error()))
		return
	}
	cfg := *g.cfg
	cfg.Printer, cfg.PrinterPaper, cfg.PrinterCodepage = printer, paper, cp
	opts := qfapp.ReceiptOptions(&cfg)
	rc := receipt.Test(fmt.Sprintf("%s, %d mm, %s", printer, paper, cp), opts)
	d.test.Disable()
	d.msg.Importance = widget.MediumImportance
	d.msg.SetText(tr.T("receipt.printing"))
	ctx := g.ctx
	go func() {
		err := qfapp.PrintReceipt(ctx, &cfg, rc)
		g.do(func() {
			d.test.Enable()
			if err != nil {
				d.fail(tr.T("receipt.failed", err.Error()))
				return
			}
			d.msg.Importance = widget.SuccessImportance
			d.msg.SetText(tr.T("receipt.printed"))
		})
	}()
}

func (d *devicesSection) fail(text string) {
	d.msg.Importance = widget.DangerImportance
	d.msg.SetText(text)
}

// speakFunc says a phrase aloud (voice.Speak); Deps.Speak replaces it.
type speakFunc = func(ctx context.Context, text, lang string, volume int) error

// refundReceiptButton is the order detail's button that prints the
// receipt of the order's latest refund that went through; hidden when
// there is none or no printer is set up.
func (g *gui) refundReceiptButton(o *store.Order) *widget.Button {
	b := widget.NewButtonWithIcon(g.tr.T("receipt.refund"), theme.DocumentPrintIcon(), nil)
	no := ""
	for _, r := range o.Refunds {
		if r.State == store.RefundDone {
			no = r.OutTradeNo
		}
	}
	b.OnTapped = func() { g.printRefund(o, no, b) }
	if no == "" || g.cfg.Printer == "" {
		b.Hide()
	}
	return b
}

// printRefund prints the receipt of refund no of order o (button b, if
// any, is disabled meanwhile); a failure is said in a dialog, and the
// refund stands whatever the printer does.
func (g *gui) printRefund(o *store.Order, no string, b *widget.Button) {
	rc, err := qfapp.SaleReceipt(g.cfg, o, no, false)
	if err != nil {
		g.message(g.tr.T("error.title"), err.Error())
		return
	}
	if b != nil {
		b.Disable()
	}
	g.printJob(rc, func(err error) {
		if b != nil {
			b.Enable()
		}
		if err != nil {
			g.d.Log.Warn("refund receipt did not print", "refund", no, "err", err)
			g.message(g.tr.T("receipt.failed_title"), g.tr.T("receipt.failed", err.Error()))
		}
	})
}

// printDay prints the end-of-day report of the day that holds day. The
// day's totals are read off the UI goroutine, with the printing.
func (g *gui) printDay(day time.Time, b *widget.Button) {
	cfg, st, now, ctx := *g.cfg, g.eng.Store(), g.d.Now(), g.ctx
	b.Disable()
	go func() {
		rc, err := qfapp.DayReceipt(&cfg, st, day, now)
		if err == nil {
			err = qfapp.PrintReceipt(ctx, &cfg, rc)
		}
		g.do(func() {
			b.Enable()
			if err != nil {
				g.message(g.tr.T("receipt.failed_title"), g.tr.T("receipt.failed", err.Error()))
			}
		})
	}()
}
