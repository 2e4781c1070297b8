package virtual_test

import (
	"context"
	"errors"
	"flag"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/escpos/virtual"
	"github.com/qfpos/qfpos/receipt"
	"github.com/qfpos/qfpos/store"
)

var screenshots = flag.Bool("screenshots", false, "write docs/screenshots/receipt-*.png")

var hk = time.FixedZone("HKT", 8*3600)

func paidOrder() *store.Order {
	return &store.Order{
		OutTradeNo: "QF20261201A7K2M9", Amount: 123450, Currency: "HKD", GoodsName: "珍珠奶茶 Bubble tea ×2",
		CreatedAt: time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC), PaidAt: time.Date(2026, 12, 1, 6, 30, 12, 0, time.UTC),
		SysSN: "20261201154300020000123456", State: store.StatePaid,
	}
}

func refund(o *store.Order) store.Refund {
	return store.Refund{OutTradeNo: "QF20261201R3X8P1", Amount: 50000, SysSN: "20261201160000020000654321",
		State: store.RefundDone, CreatedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
}

func totals() []store.Total {
	return []store.Total{
		{Currency: "HKD", State: store.StatePaid, Count: 42, Amount: 1_234_550, Refunded: 50000},
		{Currency: "HKD", State: store.StateExpired, Count: 3, Amount: 8800},
		{Currency: "HKD", State: store.StateCancelled, Count: 1, Amount: 2000},
		{Currency: "CNY", State: store.StatePaid, Count: 5, Amount: 60000},
	}
}

func opts(lang string, paper int, sandbox bool) receipt.Options {
	return receipt.Options{Merchant: map[string]string{"en": "Kowloon Tea House", "zh-Hant": "九龍茶餐廳", "zh-Hans": "九龙茶餐厅"}[lang],
		Location: hk, Lang: lang, Paper: paper, Sandbox: sandbox}
}

// printOn prints r on a fresh virtual printer and returns what it printed.
func printOn(t *testing.T, r *receipt.Receipt, cp escpos.Codepage, paper int) virtual.Job {
	t.Helper()
	p, err := virtual.Start(cp, virtual.Normal)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	data, err := escpos.Encode(r, escpos.Options{Codepage: cp, Paper: paper})
	if err != nil {
		t.Fatal(err)
	}
	if err := escpos.Print(context.Background(), p.Target(), data); err != nil {
		t.Fatal(err)
	}
	job, err := p.Job(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestReceiptRoundTrip prints receipts in each language and code page on
// the virtual printer and checks that it prints the receipt's text back,
// Chinese included, with its QR payload and cut.
func TestReceiptRoundTrip(t *testing.T) {
	o := paidOrder()
	for _, tc := range []struct {
		lang  string
		cp    escpos.Codepage
		paper int
		want  []string
	}{
		{"zh-Hant", escpos.CodepageBig5, receipt.Paper58, []string{"九龍茶餐廳", "微信支付", "收款", "HK$1,234.50", "珍珠奶茶", "交易編號", "20261201154300020000123456", "QF20261201A7K2M9", "測試模式", "[QR QF20261201A7K2M9]", "--- cut ---"}},
		{"zh-Hans", escpos.CodepageGB18030, receipt.Paper80, []string{"九龙茶餐厅", "微信支付", "交易单号", "HK$1,234.50", "测试模式 — 并非付款"}},
		{"en", escpos.CodepageBig5, receipt.Paper80, []string{"Kowloon Tea House", "WeChat Pay", "SALE", "SANDBOX — NOT A PAYMENT", "Transaction no.", "[QR QF20261201A7K2M9]"}},
		{"en", escpos.CodepageASCII, receipt.Paper58, []string{"WeChat Pay", "SANDBOX - NOT A PAYMENT", "HK$1,234.50", "2026-12-01 14:30:12"}},
	} {
		t.Run(tc.lang+"-"+string(tc.cp), func(t *testing.T) {
			r := receipt.Sale(o, opts(tc.lang, tc.paper, true))
			job := printOn(t, r, tc.cp, tc.paper)
			got := virtual.Text(job.Items)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("printed receipt lacks %q:\n%s", w, got)
				}
			}
			if tc.cp != escpos.CodepageASCII && got != r.Text() {
				t.Errorf("printed:\n%s\nwant:\n%s", got, r.Text())
			}
			for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
				if w := receipt.Width(l); w > receipt.Columns(tc.paper) {
					t.Errorf("line %q is %d columns, paper holds %d", l, w, receipt.Columns(tc.paper))
				}
			}
		})
	}
}

// TestRasterFallback prints with no Chinese font in the printer: every
// line is a bitmap as wide as the paper, the QR and the cut stay commands.
func TestRasterFallback(t *testing.T) {
	if _, err := escpos.SystemFont(); err != nil {
		t.Skip(err)
	}
	r := receipt.Sale(paidOrder(), opts("zh-Hant", receipt.Paper58, false))
	job := printOn(t, r, escpos.CodepageRaster, receipt.Paper58)
	var bitmaps, qr, cuts int
	for _, it := range job.Items {
		switch {
		case it.Raster != nil:
			bitmaps++
			if it.Raster.Bounds().Dx() != 384 {
				t.Errorf("bitmap %d dots wide, 58 mm paper is 384", it.Raster.Bounds().Dx())
			}
		case it.QR != "":
			qr++
		case it.Cut:
			cuts++
		case it.Text != "":
			t.Errorf("text %q printed in raster mode", it.Text)
		}
	}
	if bitmaps < 10 || qr != 1 || cuts != 1 {
		t.Errorf("%d bitmaps, %d QR, %d cuts", bitmaps, qr, cuts)
	}
}

// TestPrinterFailures: a printer that never answers, one that closes in
// the middle of a receipt, one out of paper and one that is not there
// each give one clear error within the timeouts, never a hang.
func TestPrinterFailures(t *testing.T) {
	old := escpos.StatusTimeout
	escpos.StatusTimeout = 300 * time.Millisecond
	defer func() { escpos.StatusTimeout = old }()
	data, err := escpos.Encode(receipt.Sale(paidOrder(), opts("zh-Hant", receipt.Paper80, false)), escpos.Options{Codepage: escpos.CodepageBig5, Paper: 80})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := "tcp://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name string
		b    virtual.Behaviour
		want error
		msg  string
	}{
		{"never answers", virtual.Silent, escpos.ErrNoAnswer, "did not answer"},
		{"closes mid-receipt", virtual.CloseAfter, escpos.ErrClosed, "closed the connection"},
		{"out of paper", virtual.PaperOut, escpos.ErrOutOfPaper, "out of paper"},
		{"unreachable", -1, escpos.ErrUnreachable, "cannot be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := gone
			if tc.b >= 0 {
				p, err := virtual.Start(escpos.CodepageBig5, tc.b)
				if err != nil {
					t.Fatal(err)
				}
				p.CloseAt = 200
				defer p.Close()
				target = p.Target()
			}
			start := time.Now()
			err := escpos.Print(context.Background(), target, data)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Print = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > escpos.JobTimeout {
				t.Errorf("took %s", d)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error is more than one line: %q", err)
			}
		})
	}
}

// TestScreenshots renders the README's receipts (go test ./escpos/virtual
// -run Screenshots -args -screenshots).
func TestScreenshots(t *testing.T) {
	font, err := escpos.SystemFont()
	if err != nil {
		t.Skip(err)
	}
	o := paidOrder()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, hk)
	printed := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	for _, lang := range []string{"en", "zh-Hant"} {
		cp := escpos.CodepageBig5
		for name, r := range map[string]*receipt.Receipt{
			"sale":   receipt.Sale(o, opts(lang, receipt.Paper58, false)),
			"refund": receipt.Refund(o, refund(o), opts(lang, receipt.Paper58, false)),
			"report": receipt.DayReport(day, totals(), printed, opts(lang, receipt.Paper80, false)),
		} {
			paper := receipt.Paper58
			if name == "report" {
				paper = receipt.Paper80
			}
			job := printOn(t, r, cp, paper)
			img := virtual.Render(job.Items, paper, font)
			if !*screenshots {
				continue
			}
			short := map[string]string{"en": "en", "zh-Hant": "zh"}[lang]
			path := filepath.Join("..", "..", "docs", "screenshots", "receipt-"+name+"-"+short+".png")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}
