package escpos

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/qfpos/qfpos/receipt"
)

// Dots of a Font A character cell: 12 wide, 24 high, at 203 dpi; a line of
// 58 mm paper is 32 cells (384 dots), of 80 mm paper 48 (576 dots).
const (
	CellWidth  = 12
	CellHeight = 24
)

// Font draws receipt lines as bitmaps on the printer's grid of cells: a
// Chinese character fills two cells, any other character one, so a
// raster receipt lines up as the printer's own font would.
type Font struct {
	face font.Face
	mu   sync.Mutex // a font.Face is not safe for concurrent use
}

// fontFiles are where Chinese fonts usually are, tried in turn.
var fontFiles = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/System/Library/Fonts/PingFang.ttc",
	"/System/Library/Fonts/STHeiti Medium.ttc",
	`C:\Windows\Fonts\msjh.ttc`,
	`C:\Windows\Fonts\msyh.ttc`,
}

// ErrNoFont says no Chinese font was found for raster printing.
var ErrNoFont = errors.New("no Chinese font found for raster printing (install fonts-noto-cjk, or set printer_codepage to big5 or gb18030)")

// SystemFont loads a Chinese font of this computer: Noto Sans CJK where
// installed, else one fontconfig names for Chinese, else a few known
// places on macOS and Windows.
var SystemFont = sync.OnceValues(func() (*Font, error) {
	files := fontFiles
	if out, err := exec.Command("fc-match", "-f", "%{file}", "sans:lang=zh-hk").Output(); err == nil && len(out) > 0 {
		files = append([]string{string(out)}, files...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if fnt, err := ParseFont(data); err == nil {
			return fnt, nil
		}
	}
	return nil, ErrNoFont
})

// ParseFont makes a Font of an OpenType or TrueType font or collection
// (the first font of a collection, Japanese-first in Noto's, whose
// Chinese glyphs are the common forms).
func ParseFont(data []byte) (*Font, error) {
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, err
	}
	f, err := coll.Font(pickFace(coll))
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 22, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	return &Font{face: face}, nil
}

// pickFace chooses the traditional-Chinese face of a Noto CJK collection
// (it has both Hong Kong and Taiwan forms), else the first.
func pickFace(c *opentype.Collection) int {
	for i := range c.NumFonts() {
		f, err := c.Font(i)
		if err != nil {
			continue
		}
		name, err := f.Name(nil, 1) // family
		if err == nil && (strings.HasSuffix(name, " HK") || strings.HasSuffix(name, " TC")) {
			return i
		}
	}
	return 0
}

// Line draws one receipt line on a bitmap cols cells wide: CellHeight
// dots high, or twice that for a Big line.
func (f *Font) Line(l receipt.Line, cols int) *image.Gray {
	if l.Big {
		small := f.Line(receipt.Line{Text: l.Text, Align: l.Align, Bold: l.Bold}, cols/2)
		return scale2(small, cols*CellWidth)
	}
	img := image.NewGray(image.Rect(0, 0, cols*CellWidth, CellHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	w := receipt.Width(l.Text)
	col := 0
	switch l.Align {
	case receipt.Center:
		col = max((cols-w)/2, 0)
	case receipt.Right:
		col = max(cols-w, 0)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d := font.Drawer{Dst: img, Src: image.Black, Face: f.face}
	for _, r := range l.Text {
		rw := receipt.RuneWidth(r)
		if rw == 0 {
			continue
		}
		if col+rw > cols {
			break
		}
		adv, ok := f.face.GlyphAdvance(r)
		if !ok {
			adv = fixed.I(rw * CellWidth)
		}
		x := fixed.I(col*CellWidth) + (fixed.I(rw*CellWidth)-adv)/2
		for dx := 0; dx <= boolInt(l.Bold); dx++ {
			d.Dot = fixed.Point26_6{X: x + fixed.I(dx), Y: fixed.I(19)}
			d.DrawString(string(r))
		}
		col += rw
	}
	return img
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scale2 doubles an image in both directions, into a width of w dots.
func scale2(src *image.Gray, w int) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, w, b.Dy()*2))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	for y := range b.Dy() * 2 {
		for x := range min(b.Dx()*2, w) {
			dst.SetGray(x, y, src.GrayAt(x/2, y/2))
		}
	}
	return dst
}

// Raster appends a GS v 0 command printing img, a dot dark where the
// image is darker than mid-grey.
func Raster(b *bytes.Buffer, img image.Image) {
	r := img.Bounds()
	wb := (r.Dx() + 7) / 8
	h := r.Dy()
	b.Write([]byte{0x1d, 'v', '0', 0, byte(wb), byte(wb >> 8), byte(h), byte(h >> 8)})
	row := make([]byte, wb)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		clear(row)
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128 {
				i := x - r.Min.X
				row[i/8] |= 0x80 >> (i % 8)
			}
		}
		b.Write(row)
	}
}
