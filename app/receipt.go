package app

import (
	"context"
	"fmt"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/receipt"
	"github.com/qfpos/qfpos/store"
)

// ReceiptOptions are the receipt settings of a configuration.
func ReceiptOptions(cfg *config.Config) receipt.Options {
	return receipt.Options{
		Merchant: cfg.MerchantName,
		Location: cfg.Location(),
		Lang:     cfg.Language,
		Paper:    cfg.PrinterPaper,
		Sandbox:  !cfg.Live(),
	}
}

// PrintReceipt encodes a receipt for the configured printer and prints it
// there, within escpos's timeouts; the error is one line for the screen.
func PrintReceipt(ctx context.Context, cfg *config.Config, r *receipt.Receipt) error {
	if cfg.Printer == "" {
		return &escpos.Error{Kind: escpos.ErrNoPrinter}
	}
	cp, err := escpos.ParseCodepage(cfg.PrinterCodepage)
	if err != nil {
		return err
	}
	data, err := escpos.Encode(r, escpos.Options{Codepage: cp.Resolve(cfg.Language, cfg.Currency), Paper: cfg.PrinterPaper})
	if err != nil {
		return err
	}
	return escpos.Print(ctx, cfg.Printer, data)
}

// SaleReceipt lays out the receipt of a paid order, or of the refund with
// out_trade_no refundNo of it.
func SaleReceipt(cfg *config.Config, o *store.Order, refundNo string, merchantCopy bool) (*receipt.Receipt, error) {
	opts := ReceiptOptions(cfg)
	opts.MerchantCopy = merchantCopy
	if refundNo != "" {
		for _, r := range o.Refunds {
			if r.OutTradeNo == refundNo {
				return receipt.Refund(o, r, opts), nil
			}
		}
		return nil, fmt.Errorf("order %s has no refund %s", o.OutTradeNo, refundNo)
	}
	if o.State != store.StatePaid {
		return nil, fmt.Errorf("order %s is %s, not paid: it has no receipt", o.OutTradeNo, o.State)
	}
	return receipt.Sale(o, opts), nil
}

// DayReceipt lays out the end-of-day report of the day that holds day.
func DayReceipt(cfg *config.Config, st *store.Store, day, now time.Time) (*receipt.Receipt, error) {
	from, to := checkout.DayBounds(day, cfg.Location())
	totals, err := st.Totals(from, to)
	if err != nil {
		return nil, err
	}
	opts := ReceiptOptions(cfg)
	opts.MerchantCopy = true
	return receipt.DayReport(from, totals, now, opts), nil
}
