package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/api"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/store"
)

// remote is the running qfpos that owns cfg's order file (the GUI,
// `qfpos serve` or a `qfpos pay`), nil when none answers: the command
// then opens the file itself.
func (g *globals) remote(cmd *cobra.Command, cfg *config.Config) (*api.Client, error) {
	c, err := api.Dial(cmd.Context(), cfg)
	if err != nil {
		return nil, &ExitError{Code: ExitFailed, Err: err}
	}
	return c, nil
}

// remoteError maps an API error to the exit-code table: a sale under way
// (409 busy) is 4, the caller's input at fault (400, 404, 409, 422) 2,
// anything else 1.
func remoteError(err error) error {
	var ae *api.APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusConflict:
			if ae.Error_.Error == "busy" {
				return &ExitError{Code: ExitBusy, Err: ae}
			}
			return &ExitError{Code: ExitUsage, Err: ae}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
			return &ExitError{Code: ExitUsage, Err: ae}
		}
	}
	return &ExitError{Code: ExitFailed, Err: err}
}

// post sends a POST that starts something (a sale, a refund) to the
// running qfpos under one idempotency key, sent again with the same key
// when no answer came: the key makes that safe. A POST never answered
// may have started it all the same: that is exit 3 (unknown), not 1.
func post(ctx context.Context, c *api.Client, path string, body, out any, what string) error {
	key := newKey()
	var err error
	for try := 0; try < 3; try++ {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err = c.JSON(pctx, "POST", path, body, out, http.Header{"Idempotency-Key": {key}})
		cancel()
		var ae *api.APIError
		if err == nil || errors.As(err, &ae) {
			return remoteErrorOrNil(err)
		}
	}
	return &ExitError{Code: ExitUnknown, Err: fmt.Errorf("the running qfpos did not answer (%v): the %s may have started there; check with qfpos orders before trying again", err, what)}
}

func remoteErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return remoteError(err)
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "cli-" + hex.EncodeToString(b)
}

func rangeQuery(r rangeFlags, v url.Values) string {
	v.Set("from", r.from)
	if r.to != "" {
		v.Set("to", r.to)
	}
	return v.Encode()
}

func remoteOrders(cmd *cobra.Command, c *api.Client, cfg *config.Config, r rangeFlags, from, to time.Time, state string, asJSON bool, limit int) error {
	v := url.Values{}
	if state != "" {
		v.Set("state", state)
	}
	if limit > 0 {
		v.Set("limit", fmt.Sprint(limit))
	}
	resp, err := c.Do(cmd.Context(), "GET", "/v1/orders?"+rangeQuery(r, v), nil, nil)
	if err != nil {
		return remoteError(err)
	}
	defer resp.Body.Close()
	out := cmd.OutOrStdout()
	if asJSON {
		_, err := io.Copy(out, resp.Body)
		return err
	}
	var orders []store.Order
	if err := json.NewDecoder(resp.Body).Decode(&orders); err != nil {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("the running qfpos: %w", err)}
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tOUT_TRADE_NO\tSTATE\tAMOUNT\tSYSSN\tGOODS")
	for _, o := range orders {
		amt := amountOf(o.Currency, o.Amount)
		if r := o.Refunded(); r > 0 {
			amt += " (refunded " + amountOf(o.Currency, r) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.CreatedAt.In(cfg.Location()).Format("2006-01-02 15:04:05"), o.OutTradeNo, o.State, amt, o.SysSN, o.GoodsName)
	}
	tw.Flush()
	fmt.Fprintf(cmd.ErrOrStderr(), "%d orders from %s to %s\n", len(orders), from.Format(time.RFC3339), to.Format(time.RFC3339))
	return nil
}

func remoteReport(cmd *cobra.Command, c *api.Client, cfg *config.Config, day string, asJSON bool) error {
	var rep api.Report
	if err := c.JSON(cmd.Context(), "GET", "/v1/report?"+url.Values{"day": {day}}.Encode(), nil, &rep, nil); err != nil {
		return remoteError(err)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return writeJSON(out, map[string]any{"day": rep.Day, "totals": rep.Totals})
	}
	fmt.Fprintf(out, "Day %s (%s)\n", rep.Day, cfg.Location())
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENCY\tSTATE\tORDERS\tAMOUNT\tREFUNDED")
	for _, t := range rep.Totals {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", t.Currency, t.State, t.Count, amountOf(t.Currency, t.Amount), amountOf(t.Currency, t.Refunded))
	}
	return tw.Flush()
}

func remoteExport(cmd *cobra.Command, c *api.Client, r rangeFlags, file string) error {
	resp, err := c.Do(cmd.Context(), "GET", "/v1/export.csv?"+rangeQuery(r, url.Values{}), nil, nil)
	if err != nil {
		return remoteError(err)
	}
	defer resp.Body.Close()
	if file == "-" {
		_, err := io.Copy(cmd.OutOrStdout(), resp.Body)
		return err
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "exported to %s\n", file)
	return nil
}

func remoteRefund(cmd *cobra.Command, c *api.Client, args []string) error {
	req := api.RefundRequest{}
	if len(args) == 2 {
		req.Amount = args[1]
	}
	var ref api.Refund
	if err := post(cmd.Context(), c, "/v1/orders/"+url.PathEscape(args[0])+"/refunds", req, &ref, "refund"); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "refund %s %s of %s: %s %s\n", ref.OutTradeNo, amountOf(ref.Currency, ref.Txamt), ref.Order, ref.State, ref.SysSN)
	switch store.RefundState(ref.State) {
	case store.RefundDone:
		return nil
	case store.RefundFailed:
		return &ExitError{Code: ExitFailed, Err: msgErr(ref.Message)}
	}
	return &ExitError{Code: ExitUnknown, Err: msgErr(ref.Message)}
}

func msgErr(m string) error {
	if m == "" {
		return nil
	}
	return errors.New(m)
}

func remoteReconcile(cmd *cobra.Command, c *api.Client, cfg *config.Config, day string, skipDay bool) error {
	v := url.Values{"day": {day}}
	if skipDay {
		v.Set("no_day", "true")
	}
	var rec api.Reconciliation
	if err := c.JSON(cmd.Context(), "POST", "/v1/reconcile?"+v.Encode(), nil, &rec, nil); err != nil {
		return remoteError(err)
	}
	out := cmd.OutOrStdout()
	for _, s := range rec.Settled {
		if s.Error != "" {
			fmt.Fprintf(out, "unsettled %s: %s (%s)\n", s.OutTradeNo, s.Note, s.Error)
		} else {
			fmt.Fprintf(out, "settled %s: %s\n", s.OutTradeNo, s.Note)
		}
	}
	fmt.Fprintf(out, "recover: %d unfinished orders checked, %d still open\n", len(rec.Settled), rec.StillOpen)
	if rec.DayError != "" {
		return &ExitError{Code: ExitUnknown, Err: errors.New(rec.DayError)}
	}
	if !skipDay {
		for _, m := range rec.Mismatches {
			fmt.Fprintf(out, "mismatch %s (syssn %s): %s — here %s %s, QFPay %s %s\n", m.OutTradeNo, m.SysSN, m.Problem,
				orDash(string(m.Local)), amountOf(cfg.Currency, m.LocalAmount), orDash(string(m.Remote)), amountOf(cfg.Currency, m.RemoteAmount))
		}
		fmt.Fprintf(out, "day %s: %d mismatches with QFPay\n", rec.Day, len(rec.Mismatches))
	}
	switch {
	case rec.StillOpen > 0:
		return &ExitError{Code: ExitUnknown}
	case len(rec.Mismatches) > 0:
		return &ExitError{Code: ExitFailed}
	}
	return nil
}

// remotePay runs `qfpos pay` through the running qfpos: the sale shows
// on its screen too; Ctrl-C cancels it there.
func remotePay(ctx context.Context, cmd *cobra.Command, c *api.Client, cfg *config.Config, amount, goods, qrPNG string, timeout time.Duration, asJSON, quiet bool) error {
	w := cmd.ErrOrStderr()
	// --json streams the same lines as a sale of this process's own: the
	// qr line the moment the running qfpos has the QR, progress, result.
	var enc *json.Encoder
	if asJSON {
		enc = json.NewEncoder(cmd.OutOrStdout())
	}
	req := api.SaleRequest{Amount: amount, GoodsName: goods}
	if timeout > 0 {
		req.Timeout, _ = json.Marshal(timeout.String())
	}
	var sale api.Sale
	// Not cancelled by Ctrl-C: a sale we do not know of must not be left
	// behind (post retries under one key).
	if err := post(ctx, c, "/v1/sales", req, &sale, "sale"); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(w, "qfpos: sale %s on the running qfpos\n", sale.ID)
	}
	qr, last, final := "", 0, ""
	for tries := 0; final == "" && tries < 5 && ctx.Err() == nil; tries++ {
		h := http.Header{}
		if last > 0 {
			h.Set("Last-Event-ID", fmt.Sprint(last))
		}
		resp, err := c.Do(ctx, "GET", "/v1/sales/"+sale.ID+"/events", nil, h)
		if err != nil {
			select { // Ctrl-C ends the wait at once: the sale is then cancelled below
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		api.ReadEvents(resp.Body, func(e api.Event) bool {
			last = e.ID
			var d struct {
				OutTradeNo string     `json:"out_trade_no"`
				State      string     `json:"state"`
				QRCode     string     `json:"qrcode"`
				ExpiresAt  *time.Time `json:"expires_at"`
				Amount     string     `json:"amount"`
				Txamt      int64      `json:"txamt"`
				Currency   string     `json:"currency"`
				Message    string     `json:"message"`
				Trouble    string     `json:"trouble"`
				TimeLeftS  *int64     `json:"time_left_s"`
			}
			json.Unmarshal(e.Data, &d)
			switch e.Name {
			case "qr", "waiting", "checking", "trouble":
				if enc == nil {
					break
				}
				pe := payEvent{Event: e.Name, OutTradeNo: d.OutTradeNo, State: d.State, Message: d.Message, Error: d.Trouble, TimeLeftS: d.TimeLeftS}
				if e.Name == "qr" {
					pe.State, pe.QRCode, pe.ExpiresAt, pe.Txamt, pe.Amount, pe.Currency = string(store.StateAwaiting), d.QRCode, d.ExpiresAt, d.Txamt, d.Amount, d.Currency
				}
				if e.Name == "qr" && qrPNG != "" { // the picture first, then the line that says it is there
					if err := writeQRPNG(qrPNG, d.QRCode); err != nil {
						fmt.Fprintln(w, "qfpos: "+err.Error())
					}
				}
				enc.Encode(pe)
			}
			switch e.Name {
			case "qr":
				qr = d.QRCode
				if enc == nil && qrPNG != "" {
					if err := writeQRPNG(qrPNG, d.QRCode); err != nil {
						fmt.Fprintln(w, "qfpos: "+err.Error())
					}
				}
				if !quiet {
					fmt.Fprintf(w, "\nScan with WeChat to pay %s  (order %s)\n", amountOf(sale.Currency, sale.Txamt), sale.ID)
					if q, err := qrcode.New(d.QRCode, qrcode.Medium); err == nil {
						fmt.Fprint(w, q.ToSmallString(false))
					}
					fmt.Fprintf(w, "%s\n\n", d.QRCode)
				}
			case "waiting", "checking", "trouble":
				if !quiet && d.Message != "" {
					m := d.Message
					if d.Trouble != "" {
						m += " (" + d.Trouble + ")"
					}
					fmt.Fprintln(w, "qfpos: "+m)
				}
			case "paid", "failed", "expired", "cancelled", "unknown":
				final = e.Name
				return false
			}
			return true
		})
		resp.Body.Close()
	}
	var res api.Sale
	if final == "" {
		// Ctrl-C, or the stream is gone: cancel, and say what became of it.
		cctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
		err := c.JSON(cctx, "POST", "/v1/sales/"+sale.ID+"/cancel", nil, &res, nil)
		cancel()
		if err != nil {
			res = sale
			res.State = string(store.StateUnknown)
			res.Message = "the running qfpos did not answer: " + err.Error()
		}
	} else if err := c.JSON(context.WithoutCancel(ctx), "GET", "/v1/sales/"+sale.ID, nil, &res, nil); err != nil {
		res = sale
		res.State = final
	}
	out := PayResult{
		Event:      "result",
		OutTradeNo: res.OutTradeNo, SysSN: res.SysSN, Status: res.State, Txamt: res.Txamt, Currency: res.Currency,
		Amount: res.Amount, RespCd: res.RespCd, QRCode: qr, GoodsName: res.GoodsName, Mode: cfg.Mode(),
		CreatedAt: res.CreatedAt, FinishedAt: time.Now().UTC(), Message: res.Message, PaidOutTradeNo: res.PaidOutTradeNo,
	}
	if asJSON {
		if err := enc.Encode(out); err != nil { // one line, the last, as in a sale of this process's own
			return err
		}
	} else {
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s %s\n", out.Status, out.OutTradeNo, amountOf(out.Currency, out.Txamt), out.SysSN)
	}
	if code := exitFor(store.State(out.Status)); code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}

// orRemote runs f unless finding the running qfpos failed.
func orRemote(err error, f func() error) error {
	if err != nil {
		return err
	}
	return f()
}

// apiNotices is where pay says where its API is: nowhere with -q.
func apiNotices(cmd *cobra.Command, quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return cmd.ErrOrStderr()
}
