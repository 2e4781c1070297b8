package virtual

import (
	"image"
	"image/color"
	"image/draw"

	"github.com/skip2/go-qrcode"

	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/receipt"
)

// Render draws printed items as a slip of paper (58 or 80 mm at 203 dpi,
// 384 or 576 dots wide), on a grey margin, the way the printer would
// print them with font.
func Render(items []Item, paper int, font *escpos.Font) *image.RGBA {
	cols := receipt.Columns(paper)
	w := cols * escpos.CellWidth
	const margin, pad = 24, 16
	var parts []image.Image
	for _, it := range items {
		switch {
		case it.Cut:
			cut := image.NewGray(image.Rect(0, 0, w, escpos.CellHeight))
			draw.Draw(cut, cut.Bounds(), image.White, image.Point{}, draw.Src)
			for x := 0; x < w; x += 8 {
				for dx := range 4 {
					cut.SetGray(x+dx, escpos.CellHeight/2, color.Gray{Y: 96})
				}
			}
			parts = append(parts, cut)
		case it.QR != "":
			q, err := qrcode.New(it.QR, qrcode.Medium)
			if err != nil {
				continue
			}
			q.DisableBorder = true
			bm := q.Bitmap()
			const mod = 6 // module size 6, as escpos.QR asks
			img := image.NewGray(image.Rect(0, 0, w, len(bm)*mod+escpos.CellHeight))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			x0 := 0
			switch it.Align {
			case receipt.Center:
				x0 = (w - len(bm)*mod) / 2
			case receipt.Right:
				x0 = w - len(bm)*mod
			}
			for y, row := range bm {
				for x, dark := range row {
					if dark {
						draw.Draw(img, image.Rect(x0+x*mod, y*mod, x0+(x+1)*mod, (y+1)*mod), image.Black, image.Point{}, draw.Src)
					}
				}
			}
			parts = append(parts, img)
		case it.Raster != nil:
			parts = append(parts, it.Raster)
		default:
			parts = append(parts, font.Line(receipt.Line{Text: it.Text, Align: it.Align, Bold: it.Bold, Big: it.Big}, cols))
		}
	}
	h := pad * 2
	for _, p := range parts {
		h += p.Bounds().Dy()
	}
	out := image.NewRGBA(image.Rect(0, 0, w+2*pad+2*margin, h+2*margin))
	draw.Draw(out, out.Bounds(), &image.Uniform{color.RGBA{0xd8, 0xd8, 0xd8, 0xff}}, image.Point{}, draw.Src)
	paperRect := image.Rect(margin, margin, margin+w+2*pad, margin+h)
	draw.Draw(out, paperRect, image.White, image.Point{}, draw.Src)
	y := margin + pad
	for _, p := range parts {
		r := p.Bounds()
		draw.Draw(out, image.Rect(margin+pad, y, margin+pad+r.Dx(), y+r.Dy()), p, r.Min, draw.Src)
		y += r.Dy()
	}
	return out
}
