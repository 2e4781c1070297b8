package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

func init() { extraCommands = append(extraCommands, newPayCmd) }

// PayResult is the last line `qfpos pay --json` prints: the sale's result.
type PayResult struct {
	Event      string    `json:"event"` // always "result"
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
	var goods, qrPNG string
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

--json streams JSON on stdout, one object per line, each with "event":
  qr        the moment QFPay returns the QR: qrcode (draw it), expires_at,
            out_trade_no, txamt, amount, currency. A later qr line (a fresh
            order when no QR could be had) replaces the QR shown.
  creating, waiting, checking, trouble
            progress: out_trade_no, state, message; waiting lines repeat
            every 30 s with time_left_s; trouble adds error (still checking).
  result    the last line: out_trade_no, syssn, status, txamt (integer minor
            units), currency, amount (decimal string), respcd, qrcode,
            created_at, finished_at, message.
Read it line by line; the exit code says the same as the result's status.
--qr-png FILE writes the QR as a PNG (replaced atomically) before the qr
line is printed, for a kiosk that shows a picture.

Ctrl-C or SIGTERM cancels properly: the order is closed at QFPay and
queried again (a payment that landed is paid).

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
			if qrPNG != "" {
				if fi, err := os.Stat(filepath.Dir(qrPNG)); err != nil || !fi.IsDir() {
					return usageError("--qr-png %s: its folder does not exist", qrPNG)
				}
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
				return orRemote(err, func() error { return remotePay(ctx, cmd, c, cfg, args[0], goods, qrPNG, timeout, asJSON, quiet) })
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
			fw := &follower{pages: pages, pngPath: qrPNG}
			if !quiet {
				fw.human = cmd.ErrOrStderr()
			}
			if asJSON {
				fw.json = json.NewEncoder(cmd.OutOrStdout())
				fw.cur = cur
			}
			final, ferr := fw.follow(sale)
			o, _ := eng.Store().Get(final.OutTradeNo)
			res := PayResult{
				Event: "result", OutTradeNo: final.OutTradeNo, Status: string(final.State), Txamt: final.Amount,
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
				if err := fw.json.Encode(res); err != nil {
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
				return &ExitError{Code: code, Err: ferr}
			}
			if ferr != nil { // paid, but the kiosk's picture could not be written
				return &ExitError{Code: ExitFailed, Err: ferr}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(negativeAmount)
	f := cmd.Flags()
	f.StringVar(&goods, "goods", "", "goods name shown in WeChat (≤64 characters)")
	f.DurationVar(&expire, "expire", 0, "how long the QR stays payable, 5m–120m (default: qr_expiry)")
	f.DurationVar(&timeout, "timeout", 0, "how long to wait for the customer before cancelling (default: until the QR expires)")
	f.BoolVar(&asJSON, "json", false, "stream JSON lines on stdout: a qr event, progress events, then the result (last line)")
	f.StringVar(&qrPNG, "qr-png", "", "write the QR as a PNG image to this file as soon as QFPay returns it")
	f.BoolVarP(&quiet, "quiet", "q", false, "do not draw the QR or progress on stderr")
	f.BoolVar(&useJSAPI, "jsapi", false, "show the QR of the WeChat JSAPI page instead, and serve the pages (jsapi_public_url, jsapi_listen)")
	return cmd
}

// negativeAmount is the flag error of pay and refund: a negative amount
// (pay -1) reads to the flag parser as the shorthand flags "-1", so it
// says what is wrong with the amount instead of "unknown shorthand flag".
func negativeAmount(_ *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		if s := ne.GetSpecifiedShortnames(); s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.') {
			return usageError("amount %q: %w: %q is negative", "-"+s, money.ErrNotPositive, "-"+s)
		}
	}
	return err
}

// payEvent is one progress line of `qfpos pay --json`.
type payEvent struct {
	Event      string     `json:"event"` // qr, creating, waiting, checking, trouble
	OutTradeNo string     `json:"out_trade_no"`
	State      string     `json:"state"`
	QRCode     string     `json:"qrcode,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	TimeLeftS  *int64     `json:"time_left_s,omitempty"`
	Txamt      int64      `json:"txamt,omitempty"`
	Amount     string     `json:"amount,omitempty"`
	Currency   string     `json:"currency,omitempty"`
	Message    string     `json:"message,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// follower shows a sale's progress: for people on human (stderr; nil
// with -q), as JSON lines on json (--json), and the QR as a PNG at
// pngPath (--qr-png). With pages (--jsapi) the QR is that of the sale's
// WeChat JSAPI page.
type follower struct {
	human   io.Writer
	json    *json.Encoder
	cur     money.Currency
	pngPath string
	pages   *JSAPIPages
}

// follow returns the sale's final event, and the first error writing the
// QR image, if any (the sale goes on regardless: the QR is also on the
// qr line and on stderr).
func (f *follower) follow(sale *checkout.Sale) (checkout.Event, error) {
	shownQR, lastMsg := "", ""
	var lastLeft time.Duration
	lastKind, lastJSONMsg := "", ""
	var lastJSONLeft time.Duration
	var pngErr error
	for ev := range sale.Events() {
		if ev.QRCode != "" && ev.QRCode != shownQR {
			shownQR = ev.QRCode
			content := ev.QRCode
			if f.pages != nil {
				content = f.pages.OrderURL(ev.OutTradeNo)
			}
			if f.pngPath != "" {
				if err := writeQRPNG(f.pngPath, content); err != nil && pngErr == nil {
					pngErr = err
					if f.human != nil {
						fmt.Fprintln(f.human, "qfpos: "+err.Error())
					}
				}
			}
			if f.json != nil {
				exp := ev.ExpiresAt.UTC()
				f.json.Encode(payEvent{Event: "qr", OutTradeNo: ev.OutTradeNo, State: string(ev.State), QRCode: content,
					ExpiresAt: &exp, Txamt: ev.Amount, Amount: f.cur.Decimal(ev.Amount), Currency: ev.Currency})
			}
			if f.human != nil {
				fmt.Fprintf(f.human, "\nScan with WeChat to pay %s  (order %s)\n", formatAmount(ev), ev.OutTradeNo)
				if q, err := qrcode.New(content, qrcode.Medium); err == nil {
					fmt.Fprint(f.human, q.ToSmallString(false))
				}
				fmt.Fprintf(f.human, "%s\n\n", content)
			}
		}
		if f.json != nil && !ev.Final {
			kind := eventKind(ev, lastKind, lastJSONMsg)
			left := ev.TimeLeft.Truncate(30 * time.Second)
			if kind != lastKind || ev.Message != lastJSONMsg || kind == "waiting" && left != lastJSONLeft {
				lastKind, lastJSONMsg, lastJSONLeft = kind, ev.Message, left
				pe := payEvent{Event: kind, OutTradeNo: ev.OutTradeNo, State: string(ev.State), Message: ev.Message}
				if kind == "waiting" {
					s := int64(ev.TimeLeft.Round(time.Second) / time.Second)
					pe.TimeLeftS = &s
				}
				if ev.Trouble != nil {
					pe.Error = ev.Trouble.Error()
				}
				f.json.Encode(pe)
			}
		}
		if f.human == nil {
			continue
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
		fmt.Fprintln(f.human, "qfpos: "+msg)
	}
	return sale.Wait(), pngErr
}

// eventKind names a progress event for --json: trouble (a call failed;
// still checking), creating (the order is being created), waiting (the QR
// is up; a routine poll is waiting too), checking (the outcome is being
// established: unknown, or closing after a cancel).
func eventKind(ev checkout.Event, lastKind, lastMsg string) string {
	switch {
	case ev.Trouble != nil:
		return "trouble"
	case ev.State == store.StateCreating:
		return "creating"
	case ev.State == store.StateAwaiting && (!ev.Checking || lastKind == "waiting" && ev.Message == lastMsg):
		return "waiting"
	}
	return "checking"
}

// writeQRPNG writes content's QR code as a PNG to path, through a
// temporary file renamed over it, so a kiosk watching path never reads
// half an image.
func writeQRPNG(path, content string) error {
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("--qr-png: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".qr-*.png")
	if err != nil {
		return fmt.Errorf("--qr-png: %w", err)
	}
	_, err = tmp.Write(png)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--qr-png %s: %w", path, err)
	}
	return nil
}

func formatAmount(ev checkout.Event) string {
	cur, err := money.Lookup(ev.Currency)
	if err != nil {
		return fmt.Sprintf("%d %s", ev.Amount, ev.Currency)
	}
	return cur.Format(ev.Amount)
}
