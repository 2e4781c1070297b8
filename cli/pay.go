package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

func init() { extraCommands = append(extraCommands, newPayCmd) }

// PayResult is what `qfpos pay --json` prints: one JSON object.
type PayResult struct {
	OutTradeNo string    `json:"out_trade_no"`
	SysSN      string    `json:"syssn"`
	Status     string    `json:"status"` // paid|failed|expired|cancelled|unknown
	Txamt      int64     `json:"txamt"`  // integer minor units
	Currency   string    `json:"currency"`
	Amount     string    `json:"amount"` // decimal string, e.g. "12.50"
	RespCd     string    `json:"respcd"`
	QRCode     string    `json:"qrcode"`
	GoodsName  string    `json:"goods_name,omitempty"`
	Mode       string    `json:"mode"` // sandbox, or the QFPay environment
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
	Message    string    `json:"message"`
	// PaidOutTradeNo is, when the customer paid in WeChat's browser
	// (--jsapi), the JSAPI order that was paid; SysSN is then its syssn.
	PaidOutTradeNo string `json:"paid_out_trade_no,omitempty"`
}

// exitFor maps a sale's final state to pay's exit code.
func exitFor(st store.State) int {
	switch st {
	case store.StatePaid:
		return ExitOK
	case store.StateFailed, store.StateExpired, store.StateCancelled:
		return ExitFailed
	}
	return ExitUnknown
}

func newPayCmd(g *globals) *cobra.Command {
	var goods string
	var expire, timeout time.Duration
	var asJSON, quiet, useJSAPI bool
	cmd := &cobra.Command{
		Use:   "pay AMOUNT",
		Short: "Run one sale headless: show the QR in the terminal and wait for the result",
		Long: `Runs one WeChat Pay QR sale without the GUI, as a kiosk integrator would.

AMOUNT is a decimal in the currency's major unit ("12.50" HKD, "500" JPY).
The QR is drawn on stderr; the result ends the command:

  exit 0  paid
  exit 1  failed, expired or cancelled (the customer was not charged)
  exit 2  bad input or configuration: nothing was sent, nothing stored
  exit 3  unknown: do not charge again; 'qfpos reconcile' settles it

--json prints one JSON object on stdout: out_trade_no, syssn, status,
txamt (integer minor units), currency, amount (decimal string), respcd,
qrcode, created_at, finished_at. Ctrl-C or SIGTERM cancels properly: the
order is closed at QFPay and queried again (a payment that landed is paid).

--jsapi shows instead the QR of the sale's WeChat JSAPI page (PUBLIC/jsapi/ORDER,
PUBLIC = jsapi_public_url) and serves the pages meanwhile (jsapi_listen): the
customer pays in WeChat's browser, or, in another browser, scans the usual QR
shown there. When paid that way, --json adds paid_out_trade_no, the JSAPI order
that was paid, and syssn is its syssn. Once the sale is over, the result is
printed and the pages stay up (refusing new payments) until the customer's
page has shown the outcome of every WeChat payment begun there, at most 2
minutes (Ctrl-C stops at once); then qfpos exits.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if expire != 0 {
				if expire < 5*time.Minute || expire > 120*time.Minute || expire%time.Minute != 0 {
					return usageError("--expire %s: QFPay takes whole minutes from 5m to 120m", expire)
				}
				cfg.QRExpiry = expire
			}
			if timeout < 0 {
				return usageError("--timeout %s: must be positive", timeout)
			}
			if len([]rune(goods)) > 64 {
				return usageError("--goods: at most 64 characters")
			}
			cur := cfg.CurrencyInfo()
			txamt, err := cur.Parse(args[0], cfg.MaxTxamt())
			if err != nil {
				return usageError("amount %q: %v", args[0], err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				if err == nil && (useJSAPI || expire != 0) {
					err = usageError("--jsapi and --expire need the order file, which a running qfpos holds")
				}
				return orRemote(err, func() error { return remotePay(ctx, cmd, c, cfg, args[0], goods, timeout, asJSON, quiet) })
			}
			a, eng, err := g.engine(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			defer g.withAPI(a, apiNotices(cmd, quiet))()
			var pages *JSAPIPages // --jsapi: the WeChat JSAPI pages, in-process (jsapi.go)
			if useJSAPI {
				if pages, err = a.StartJSAPI("", ""); err != nil {
					return err
				}
				defer pages.Close()
			}
			sale, err := eng.Start(ctx, checkout.Request{Amount: txamt, GoodsName: goods, Timeout: timeout})
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			final := follow(cmd.ErrOrStderr(), sale, quiet, pages)
			o, _ := eng.Store().Get(final.OutTradeNo)
			res := PayResult{
				OutTradeNo: final.OutTradeNo, Status: string(final.State), Txamt: final.Amount,
				Currency: final.Currency, Amount: cur.Decimal(final.Amount), RespCd: final.RespCd,
				Mode: cfg.Mode(), Message: final.Message, FinishedAt: time.Now().UTC(),
			}
			if o != nil {
				res.SysSN, res.QRCode, res.GoodsName, res.CreatedAt = o.SysSN, o.QRCode, o.GoodsName, o.CreatedAt
			}
			if final.PaidOutTradeNo != "" { // paid in WeChat's browser: that order holds the payment
				res.PaidOutTradeNo = final.PaidOutTradeNo
				if p, _ := eng.Store().Get(final.PaidOutTradeNo); p != nil {
					res.SysSN = p.SysSN
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s %s", res.Status, res.OutTradeNo, cur.Format(res.Txamt), res.SysSN)
				if res.PaidOutTradeNo != "" {
					fmt.Fprintf(cmd.OutOrStdout(), " paid-as %s", res.PaidOutTradeNo)
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			if pages != nil {
				// The customer who paid in WeChat may be on the way to
				// the result page: it answers a while longer.
				pages.Linger(ctx, final.OutTradeNo, resultGrace, cmd.ErrOrStderr())
			}
			if code := exitFor(final.State); code != ExitOK {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&goods, "goods", "", "goods name shown in WeChat (≤64 characters)")
	f.DurationVar(&expire, "expire", 0, "how long the QR stays payable, 5m–120m (default: qr_expiry)")
	f.DurationVar(&timeout, "timeout", 0, "how long to wait for the customer before cancelling (default: until the QR expires)")
	f.BoolVar(&asJSON, "json", false, "print the result as one JSON object on stdout")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not draw the QR or progress on stderr")
	f.BoolVar(&useJSAPI, "jsapi", false, "show the QR of the WeChat JSAPI page instead, and serve the pages (jsapi_public_url, jsapi_listen)")
	return cmd
}

// follow shows a sale's progress on w and returns its final event. The
// time left is repeated every 30 s, not every event. With pages
// (--jsapi) the QR drawn is that of the sale's WeChat JSAPI page.
func follow(w io.Writer, sale *checkout.Sale, quiet bool, pages *JSAPIPages) checkout.Event {
	shownQR, lastMsg := "", ""
	var lastLeft time.Duration
	for ev := range sale.Events() {
		if quiet {
			continue
		}
		if ev.QRCode != "" && ev.QRCode != shownQR {
			shownQR = ev.QRCode
			content := ev.QRCode
			if pages != nil {
				content = pages.OrderURL(ev.OutTradeNo)
			}
			fmt.Fprintf(w, "\nScan with WeChat to pay %s  (order %s)\n", formatAmount(ev), ev.OutTradeNo)
			if q, err := qrcode.New(content, qrcode.Medium); err == nil {
				fmt.Fprint(w, q.ToSmallString(false))
			}
			fmt.Fprintf(w, "%s\n\n", content)
		}
		msg := ev.Message
		if ev.Trouble != nil {
			msg += " (" + ev.Trouble.Error() + ")"
		}
		if ev.Final {
			msg = strings.ToUpper(string(ev.State)) + " " + formatAmount(ev) + ": " + ev.Message
		}
		left := ev.TimeLeft.Truncate(30 * time.Second)
		awaiting := ev.State == store.StateAwaiting && !ev.Final
		if msg == lastMsg && (!awaiting || left == lastLeft) {
			continue
		}
		lastMsg, lastLeft = msg, left
		if awaiting {
			msg += fmt.Sprintf(" (%s left)", ev.TimeLeft.Round(time.Second))
		}
		fmt.Fprintln(w, "qfpos: "+msg)
	}
	return sale.Wait()
}

func formatAmount(ev checkout.Event) string {
	cur, err := money.Lookup(ev.Currency)
	if err != nil {
		return fmt.Sprintf("%d %s", ev.Amount, ev.Currency)
	}
	return cur.Format(ev.Amount)
}
