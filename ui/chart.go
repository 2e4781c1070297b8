package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/money"
)

// hourChart is a bar chart of paid sales by hour of the day, drawn with
// canvas rectangles: 24 bars, hours marked every three, the highest hour's
// amount on top.
type hourChart struct {
	widget.BaseWidget
	hours [24]int64
	cur   money.Currency
}

func newHourChart() *hourChart {
	c := &hourChart{}
	c.ExtendBaseWidget(c)
	return c
}

// set shows the sums of one day (minor units by hour).
func (c *hourChart) set(hours [24]int64, cur money.Currency) {
	c.hours, c.cur = hours, cur
	c.Refresh()
}

// peak is the largest hour.
func (c *hourChart) peak() (hour int, amount int64) {
	for h, v := range c.hours {
		if v > amount {
			hour, amount = h, v
		}
	}
	return hour, amount
}

func (c *hourChart) MinSize() fyne.Size { return fyne.NewSize(24*6, 100) }

func (c *hourChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c, axis: canvas.NewRectangle(nil), top: canvas.NewText("", nil)}
	for i := range r.bars {
		r.bars[i] = canvas.NewRectangle(nil)
	}
	for i := range r.labels {
		r.labels[i] = canvas.NewText(fmt.Sprintf("%02d", i*3), nil)
		r.labels[i].Alignment = fyne.TextAlignCenter
	}
	r.Refresh()
	return r
}

type chartRenderer struct {
	c      *hourChart
	bars   [24]*canvas.Rectangle
	labels [8]*canvas.Text
	axis   *canvas.Rectangle
	top    *canvas.Text
	size   fyne.Size
}

func (r *chartRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.axis, r.top}
	for _, b := range r.bars {
		objs = append(objs, b)
	}
	for _, l := range r.labels {
		objs = append(objs, l)
	}
	return objs
}

func (r *chartRenderer) MinSize() fyne.Size { return r.c.MinSize() }
func (r *chartRenderer) Destroy()           {}

func (r *chartRenderer) Refresh() {
	th := r.c.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	for _, b := range r.bars {
		b.FillColor = th.Color(colorBar, v)
	}
	r.axis.FillColor = th.Color(theme.ColorNameForeground, v)
	small := th.Size(theme.SizeNameCaptionText)
	for _, l := range r.labels {
		l.Color = th.Color(theme.ColorNameForeground, v)
		l.TextSize = small
	}
	r.top.Color = th.Color(theme.ColorNameForeground, v)
	r.top.TextSize = small
	r.top.Text = ""
	if h, amt := r.c.peak(); amt > 0 {
		r.top.Text = fmt.Sprintf("%02d:00  %s", h, r.c.cur.Format(amt))
	}
	r.Layout(r.size)
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	if size.Width <= 0 || size.Height <= 0 {
		return
	}
	lh := r.labels[0].MinSize().Height
	th := r.top.MinSize().Height
	base := size.Height - lh
	plot := max(base-th, 1)
	slot := size.Width / 24
	gap := max(slot/6, 1)
	_, peak := r.c.peak()
	for h, b := range r.bars {
		bh := float32(0)
		if peak > 0 {
			bh = plot * float32(r.c.hours[h]) / float32(peak)
		}
		b.Move(fyne.NewPos(float32(h)*slot+gap/2, base-bh))
		b.Resize(fyne.NewSize(slot-gap, bh))
	}
	r.axis.Move(fyne.NewPos(0, base))
	r.axis.Resize(fyne.NewSize(size.Width, 1))
	for i, l := range r.labels {
		l.Move(fyne.NewPos(float32(i*3)*slot, base))
		l.Resize(fyne.NewSize(slot, lh))
	}
	r.top.Move(fyne.NewPos(0, 0))
	r.top.Resize(fyne.NewSize(size.Width, th))
}
