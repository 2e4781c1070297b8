package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// startError is the window qfpos shows in place of the cashier window
// when it cannot start (an order file of another identity or a damaged
// one, a port in use): the line the command line prints, and a button
// that quits. Closing the window quits too: it is the only one.
func startError(fa fyne.App, tr *translator, err error) fyne.Window {
	w := fa.NewWindow("qfpos")
	title := widget.NewLabelWithStyle(tr.T("error.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(err.Error())
	text.Wrapping = fyne.TextWrapWord
	quit := widget.NewButtonWithIcon(tr.T("staff.quit"), theme.LogoutIcon(), fa.Quit)
	quit.Importance = widget.HighImportance
	w.SetContent(container.NewBorder(title, container.NewHBox(layout.NewSpacer(), quit), nil, nil, text))
	w.Resize(fyne.NewSize(560, 240))
	w.SetMaster()
	return w
}
