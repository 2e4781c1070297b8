package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// msgBox is a dialog whose buttons are ours, so tests can press them.
type msgBox struct {
	dlg     *dialog.CustomDialog
	title   string
	text    *widget.Label
	yes, no *widget.Button // confirm only
	ok      *widget.Button // message only
}

// dialogWidth is the width a dialog takes in a window of width w.
func dialogWidth(w float32) float32 { return min(520, w-32) }

// message shows a message with an OK button.
func (g *gui) message(title, text string) *msgBox {
	m := &msgBox{title: title, text: widget.NewLabel(text)}
	m.text.Wrapping = fyne.TextWrapWord
	m.dlg = dialog.NewCustomWithoutButtons(title, m.text, g.win)
	m.ok = widget.NewButton(g.tr.T("button.ok"), m.dlg.Hide)
	m.ok.Importance = widget.HighImportance
	m.dlg.SetButtons([]fyne.CanvasObject{m.ok})
	g.showDialog(m.dlg)
	g.setKeys(m.dlg, m.ok.OnTapped, m.dlg.Hide)
	g.lastMsg = m
	return m
}

// confirm asks a yes/no question; yes runs onYes.
func (g *gui) confirm(title, text, yes, no string, onYes func()) *msgBox {
	m := &msgBox{title: title, text: widget.NewLabel(text)}
	m.text.Wrapping = fyne.TextWrapWord
	m.dlg = dialog.NewCustomWithoutButtons(title, m.text, g.win)
	m.no = widget.NewButton(no, m.dlg.Hide)
	m.yes = widget.NewButton(yes, func() {
		m.dlg.Hide()
		onYes()
	})
	m.yes.Importance = widget.DangerImportance
	m.dlg.SetButtons([]fyne.CanvasObject{m.no, m.yes})
	g.showDialog(m.dlg)
	g.setKeys(m.dlg, m.yes.OnTapped, m.dlg.Hide)
	g.lastMsg = m
	return m
}

// custom shows content with a Close button.
func (g *gui) custom(title string, content fyne.CanvasObject) *msgBox {
	m := &msgBox{title: title}
	m.dlg = dialog.NewCustomWithoutButtons(title, content, g.win)
	m.ok = widget.NewButton(g.tr.T("button.close"), m.dlg.Hide)
	m.dlg.SetButtons([]fyne.CanvasObject{m.ok})
	g.showDialog(m.dlg)
	g.setKeys(m.dlg, m.dlg.Hide, m.dlg.Hide)
	g.lastMsg = m
	return m
}

// keyedDialog is what Enter and Escape do in an open dialog.
type keyedDialog struct {
	dlg           dialog.Dialog
	enter, escape func()
}

// setKeys makes Enter run enter and Escape run escape while d is the top
// dialog (nil: the key does nothing). A focused entry keeps its keys.
func (g *gui) setKeys(d dialog.Dialog, enter, escape func()) {
	g.keyed = append(g.keyed, keyedDialog{d, enter, escape})
}

// dialogKey handles Enter and Escape for the top open dialog, and
// reports whether a dialog is open (its keys go no further).
func (g *gui) dialogKey(k fyne.KeyName) bool {
	for len(g.keyed) > 0 && !g.open[g.keyed[len(g.keyed)-1].dlg] {
		g.keyed = g.keyed[:len(g.keyed)-1] // closed meanwhile
	}
	if len(g.keyed) == 0 {
		return len(g.open) > 0
	}
	top := g.keyed[len(g.keyed)-1]
	var f func()
	switch k {
	case fyne.KeyReturn, fyne.KeyEnter:
		f = top.enter
	case fyne.KeyEscape:
		f = top.escape
	}
	if f != nil {
		f()
	}
	return true
}

func (g *gui) showDialog(d dialog.Dialog) {
	d.Resize(fyne.NewSize(dialogWidth(g.win.Canvas().Size().Width), 0))
	g.track(d)
	d.Show()
}

// track records an open dialog until it closes, so that closeDialogs
// (the kiosk's idle timeout) can close every one of them.
func (g *gui) track(d dialog.Dialog) {
	if g.open == nil {
		g.open = map[dialog.Dialog]bool{}
	}
	g.open[d] = true
	d.SetOnClosed(func() { delete(g.open, d) })
}
