package receipt

import (
	"fmt"
	"time"

	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

// Options are what every receipt needs besides its order.
type Options struct {
	Merchant     string         // the merchant's name, at the top
	Location     *time.Location // the merchant's zone, for dates and times (nil: UTC)
	Lang         string         // en, zh-Hant or zh-Hans
	Paper        int            // Paper58 or Paper80
	Sandbox      bool           // prints SANDBOX — NOT A PAYMENT
	MerchantCopy bool           // the merchant's copy: a signature-free footer
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func newBuilder(opts Options) *builder {
	return &builder{r: &Receipt{Columns: Columns(opts.Paper)}, tr: textsFor(opts.Lang), opts: opts}
}

// amount formats minor units of a currency code for the receipt (package
// money's format), with the code instead of a symbol that is not ASCII
// ("CNY 600.00", not "CN¥600.00"): a printer's code page may lack it.
func amount(code string, minor int64) string {
	cur, err := money.Lookup(code)
	if err != nil {
		return fmt.Sprintf("%s %d", code, minor)
	}
	for _, r := range cur.Symbol {
		if r >= 0x80 {
			cur.Symbol = cur.Code
			break
		}
	}
	return cur.Format(minor)
}

// head prints the merchant's name, the sandbox warning and the title.
func (b *builder) head(title string) {
	if b.opts.Merchant != "" {
		b.big(b.opts.Merchant, Center)
	}
	b.text(b.tr.T("wechat"), Center, false)
	if b.opts.Sandbox {
		b.blank()
		b.text("*** "+b.tr.T("sandbox")+" ***", Center, true)
	}
	b.blank()
	b.big(title, Center)
	b.rule()
}

// foot prints the copy's footer, the QR of the order and the cut.
func (b *builder) foot(outTradeNo string) {
	b.rule()
	if outTradeNo != "" {
		b.add(Line{QR: outTradeNo, Align: Center})
		b.text(b.tr.T("scan"), Center, false)
	}
	if b.opts.Sandbox {
		b.text("*** "+b.tr.T("sandbox")+" ***", Center, true)
	}
	if b.opts.MerchantCopy {
		b.text(b.tr.T("merchant_copy"), Center, true)
		b.text(b.tr.T("no_signature"), Center, false)
	} else {
		b.text(b.tr.T("customer_copy"), Center, true)
		b.text(b.tr.T("thanks"), Center, false)
	}
	b.add(Line{Cut: true})
}

// Sale lays out the receipt of a paid sale.
func Sale(o *store.Order, opts Options) *Receipt {
	b := newBuilder(opts)
	b.head(b.tr.T("sale"))
	at := o.PaidAt
	if at.IsZero() {
		at = o.CreatedAt
	}
	b.pair(b.tr.T("date"), b.time(at), false)
	if o.GoodsName != "" {
		b.pair(b.tr.T("item"), o.GoodsName, false)
	}
	b.rule()
	b.pair(b.tr.T("amount"), "", true)
	b.big(amount(o.Currency, o.Amount), Right)
	b.rule()
	if o.SysSN != "" {
		b.pair(b.tr.T("syssn"), o.SysSN, false)
	}
	b.pair(b.tr.T("order"), o.OutTradeNo, false)
	if o.State != store.StatePaid {
		b.pair(b.tr.T("state."+string(o.State)), "", true)
	}
	b.foot(o.OutTradeNo)
	return b.r
}

// Refund lays out the receipt of refund r of order o.
func Refund(o *store.Order, r store.Refund, opts Options) *Receipt {
	b := newBuilder(opts)
	b.head(b.tr.T("refund"))
	at := r.CreatedAt
	if at.IsZero() {
		at = o.CreatedAt
	}
	b.pair(b.tr.T("date"), b.time(at), false)
	if o.GoodsName != "" {
		b.pair(b.tr.T("item"), o.GoodsName, false)
	}
	b.rule()
	b.pair(b.tr.T("amount"), "", true)
	b.big("-"+amount(o.Currency, r.Amount), Right)
	if r.State != store.RefundDone {
		b.text(b.tr.T("refund_pending"), Left, true)
	}
	b.rule()
	if r.SysSN != "" {
		b.pair(b.tr.T("refund_syssn"), r.SysSN, false)
	}
	b.pair(b.tr.T("refund_no"), r.OutTradeNo, false)
	b.blank()
	b.text(b.tr.T("original")+":", Left, true)
	b.pair(b.tr.T("amount"), amount(o.Currency, o.Amount), false)
	if o.SysSN != "" {
		b.pair(b.tr.T("syssn"), o.SysSN, false)
	}
	b.pair(b.tr.T("order"), o.OutTradeNo, false)
	b.foot(o.OutTradeNo)
	return b.r
}

// DayReport lays out the end-of-day report of the day that starts at from
// (in the merchant's zone), from the store's Totals for it: each currency's
// orders per state, its refunds and its net (paid less refunded). printed
// is when it is printed.
func DayReport(from time.Time, totals []store.Total, printed time.Time, opts Options) *Receipt {
	b := newBuilder(opts)
	opts.MerchantCopy = true
	b.opts = opts
	if opts.Merchant != "" {
		b.big(opts.Merchant, Center)
	}
	if opts.Sandbox {
		b.text("*** "+b.tr.T("sandbox")+" ***", Center, true)
	}
	b.blank()
	b.big(b.tr.T("report"), Center)
	b.rule()
	b.pair(b.tr.T("day"), from.In(opts.location()).Format("2006-01-02"), false)
	b.pair(b.tr.T("zone"), opts.location().String(), false)
	b.pair(b.tr.T("printed"), b.time(printed), false)
	if len(totals) == 0 {
		b.rule()
		b.text(b.tr.T("no_sales"), Center, false)
	}
	var code string
	var paid, refunded int64
	flush := func() {
		if code == "" {
			return
		}
		b.pair(b.tr.T("refunds"), "-"+amount(code, refunded), false)
		b.pair(b.tr.T("net"), amount(code, paid-refunded), true)
	}
	for _, t := range totals {
		if t.Currency != code {
			flush()
			code, paid, refunded = t.Currency, 0, 0
			b.rule()
			b.text(t.Currency, Left, true)
		}
		label := fmt.Sprintf("%s (%d)", b.tr.T("state."+string(t.State)), t.Count)
		b.pair(label, amount(t.Currency, t.Amount), t.State == store.StatePaid)
		if t.State == store.StatePaid {
			paid += t.Amount
		}
		refunded += t.Refunded
	}
	flush()
	b.rule()
	b.text(b.tr.T("merchant_copy"), Center, true)
	b.add(Line{Cut: true})
	return b.r
}

// Test lays out a test page: the merchant, the settings in use, a ruler of
// the paper's columns and a line of each script, to check paper width and
// code page at a glance.
func Test(setup string, opts Options) *Receipt {
	b := newBuilder(opts)
	if opts.Merchant != "" {
		b.big(opts.Merchant, Center)
	}
	b.text(b.tr.T("test"), Center, true)
	b.rule()
	b.text(setup, Left, false)
	ruler := ""
	for i := 1; i <= b.r.Columns; i++ {
		ruler += string(rune('0' + i%10))
	}
	b.add(Line{Text: ruler})
	b.text("English 繁體中文 简体中文", Left, false)
	b.text("HK$1,234.50", Right, true)
	b.add(Line{QR: "qfpos test", Align: Center})
	b.add(Line{Cut: true})
	return b.r
}
