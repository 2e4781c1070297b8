package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// adaptiveLayout puts its two objects side by side when the space is
// wider than it is tall (the first taking share of the width) and one
// above the other otherwise (the first taking share of the height). It is
// how every screen works by touch from 800×480 landscape to a portrait
// kiosk.
type adaptiveLayout struct {
	share float32 // of the first object, 0–1
}

func (l adaptiveLayout) landscape(size fyne.Size) bool { return size.Width >= size.Height }

func (l adaptiveLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	pad := theme.Padding()
	a, b := objs[0], objs[1]
	if l.landscape(size) {
		w := max((size.Width-pad)*l.share, a.MinSize().Width)
		w = min(w, size.Width-pad-b.MinSize().Width)
		a.Move(fyne.NewPos(0, 0))
		a.Resize(fyne.NewSize(w, size.Height))
		b.Move(fyne.NewPos(w+pad, 0))
		b.Resize(fyne.NewSize(size.Width-w-pad, size.Height))
		return
	}
	h := max((size.Height-pad)*l.share, a.MinSize().Height)
	h = min(h, size.Height-pad-b.MinSize().Height)
	a.Move(fyne.NewPos(0, 0))
	a.Resize(fyne.NewSize(size.Width, h))
	b.Move(fyne.NewPos(0, h+pad))
	b.Resize(fyne.NewSize(size.Width, size.Height-h-pad))
}

// MinSize is what the objects need stacked or side by side, whichever is
// smaller, so the window can be small in either orientation.
func (l adaptiveLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) != 2 {
		return fyne.Size{}
	}
	pad := theme.Padding()
	a, b := objs[0].MinSize(), objs[1].MinSize()
	side := fyne.NewSize(a.Width+b.Width+pad, max(a.Height, b.Height))
	stack := fyne.NewSize(max(a.Width, b.Width), a.Height+b.Height+pad)
	if side.Height <= stack.Height {
		return side
	}
	return stack
}

// qrLayout gives its first object (the QR) the largest square that fits
// beside or above the second (the text about the sale), and the rest of
// the space to the second.
type qrLayout struct{}

func (qrLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	pad := theme.Padding()
	qr, info := objs[0], objs[1]
	im := info.MinSize()
	if size.Width >= size.Height {
		side := max(min(size.Height, size.Width-im.Width-pad), qr.MinSize().Width)
		qr.Move(fyne.NewPos(0, (size.Height-side)/2))
		qr.Resize(fyne.NewSquareSize(side))
		info.Move(fyne.NewPos(side+pad, 0))
		info.Resize(fyne.NewSize(size.Width-side-pad, size.Height))
		return
	}
	side := max(min(size.Width, size.Height-im.Height-pad), qr.MinSize().Height)
	qr.Move(fyne.NewPos((size.Width-side)/2, 0))
	qr.Resize(fyne.NewSquareSize(side))
	info.Move(fyne.NewPos(0, side+pad))
	info.Resize(fyne.NewSize(size.Width, size.Height-side-pad))
}

func (qrLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) != 2 {
		return fyne.Size{}
	}
	return adaptiveLayout{}.MinSize(objs)
}
