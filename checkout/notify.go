package checkout

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// notifier wakes the sale polling an order when a notification settled it.
type notifier struct {
	mu      sync.Mutex
	waiters map[string]chan struct{}
}

func newNotifier() *notifier { return &notifier{waiters: map[string]chan struct{}{}} }

// wait returns a channel closed when outTradeNo is woken.
func (n *notifier) wait(outTradeNo string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch, ok := n.waiters[outTradeNo]
	if !ok {
		ch = make(chan struct{})
		n.waiters[outTradeNo] = ch
	}
	return ch
}

// forget drops the waiter of outTradeNo once its sale stops polling, so a
// long-running kiosk does not keep one per sale.
func (n *notifier) forget(outTradeNo string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.waiters, outTradeNo)
}

func (n *notifier) wake(outTradeNo string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch, ok := n.waiters[outTradeNo]; ok {
		close(ch)
		delete(n.waiters, outTradeNo)
	}
}

// HandleNotification settles an order from a QFPay notification whose
// signature the caller has verified: a payment notification with respcd
// 0000 and not cancelled makes the order paid at once, and wakes the sale
// polling it. Other notifications are recorded by the next query instead.
func (e *Engine) HandleNotification(n *payment.Notification) error {
	if n.NotifyType != "" && n.NotifyType != "payment" {
		return nil
	}
	if n.RespCd != payment.RespOK || n.Cancel != 0 {
		return nil
	}
	o, err := e.st.Get(n.OutTradeNo)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not one of ours (another device of the merchant)
	}
	if err != nil {
		return err
	}
	rec := payment.Record{SysSN: n.SysSN, OutTradeNo: n.OutTradeNo, PayType: n.PayType, Amount: n.Amount, Currency: n.Currency, RespCd: n.RespCd, PayDtm: n.PayDtm}
	if why := e.orderLookup(o).problem(rec); why != "" { // the check of query records too
		return fmt.Errorf("checkout: notification for %s is not the order's payment: %s", o.OutTradeNo, why)
	}
	o2, err := e.settle(o, store.StatePaid, "verified notification respcd=0000", &rec)
	if err != nil {
		return err
	}
	e.notify.wake(n.OutTradeNo)
	if o.Parent != "" { // a WeChat JSAPI attempt, as the poll path does (jsapi.go)
		e.jsapi.kick(o.Parent)
		e.paidAfterSale(o, o2)
	}
	return nil
}

// maxNotifyBody is the largest notification body read: QFPay's is a few
// hundred bytes.
const maxNotifyBody = 1 << 16

// NotifyHandler serves QFPay's asynchronous notifications: it verifies
// X-QF-SIGN over the raw body with verify (e.g. (*payment.Client).VerifyNotification),
// settles the order and answers SUCCESS. A bad signature gets 401 and
// changes nothing; a body larger than 64 KiB gets 413 (the server
// running it must set its own timeouts).
func (e *Engine) NotifyHandler(verify func(body []byte, sig string) (*payment.Notification, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNotifyBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		n, err := verify(body, r.Header.Get("X-QF-SIGN"))
		if err != nil {
			e.s.Logger.Warn("notification refused", "err", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if err := e.HandleNotification(n); err != nil {
			e.s.Logger.Error("notification not applied", "err", err)
			http.Error(w, "not applied", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "SUCCESS")
	})
}
