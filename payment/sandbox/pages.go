package sandbox

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qfpos/qfpos/money"
)

// payerPath is the path of an order's payer page, the target of its qrcode.
func payerPath(outTradeNo string) string {
	return "/sandbox/pay/" + url.PathEscape(outTradeNo)
}

// formatAmount writes minor units for people, as package money does:
// 123456 HKD → "HK$1,234.56", 500 JPY → "¥500", 500 MMK → "MMK 500".
func formatAmount(amount int64, currency string) string {
	c, err := money.Lookup(currency)
	if err != nil || c.Code != currency {
		// Not a currency the sandbox takes (a hand-edited state file).
		return strconv.FormatInt(amount, 10) + " " + currency + " (minor units)"
	}
	return c.Format(amount)
}

var stateText = map[State]string{
	StatePending:  "Waiting for payment",
	StatePaid:     "Paid",
	StateDeclined: "Declined",
	StateClosed:   "Cancelled by the shop",
	StateExpired:  "Expired",
	StateRefund:   "Refund",
}

// payView is what a payer page shows.
type payView struct {
	Merchant   string
	Amount     string
	GoodsName  string
	OutTradeNo string
	State      State
	StateText  string
	Expires    string
	Refunded   string
	Payable    bool
	Action     string // where the buttons post
	Continue   string // /q/direct: the merchant's redirect_url
	Message    string // the result of a button
	Problem    bool   // Message is a refusal
}

type pageData struct {
	Title  string
	Error  string
	Pay    *payView
	Orders []OrderView
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"amount":    formatAmount,
	"payerPath": payerPath,
	"stateText": func(s State) string { return stateText[s] },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#111}
.banner{background:#b45309;color:#fff;text-align:center;padding:.4em;font-weight:600;letter-spacing:.05em}
main{max-width:28em;margin:0 auto;padding:1.2em}
.card{background:#fff;border-radius:12px;padding:1.2em;box-shadow:0 1px 4px #0002}
.merchant{font-size:1.2em;color:#555}
.amount{font-size:2.6em;font-weight:700;margin:.2em 0}
.goods{color:#333}.meta{color:#777;font-size:.9em;margin-top:.8em}
.state{display:inline-block;margin-top:.6em;padding:.2em .7em;border-radius:1em;background:#e5e7eb;font-weight:600}
.state.paid{background:#bbf7d0}.state.declined,.state.expired,.state.closed{background:#fecaca}
.msg{margin:1em 0;padding:.8em;border-radius:8px;background:#dcfce7}.msg.problem,.error{background:#fee2e2}
.error{padding:.8em;border-radius:8px}
form{display:flex;flex-direction:column;gap:.8em;margin-top:1.2em}
button{font-size:1.4em;padding:.9em;border:0;border-radius:10px;color:#fff}
button.pay{background:#07c160}button.decline{background:#6b7280}
a.continue{display:block;text-align:center;margin-top:1em;font-size:1.2em}
table{width:100%;border-collapse:collapse;background:#fff}td,th{padding:.4em;border-bottom:1px solid #ddd;text-align:left;font-size:.9em}
</style></head><body>
<div class="banner">SANDBOX · no real money moves</div>
<main>
{{- if .Error}}
<h1>{{.Title}}</h1><p class="error">{{.Error}}</p>
{{- end}}
{{- with .Pay}}
<div class="card">
<div class="merchant">{{.Merchant}}</div>
<div class="amount">{{.Amount}}</div>
{{if .GoodsName}}<div class="goods">{{.GoodsName}}</div>{{end}}
<div class="state {{.State}}">{{.StateText}}</div>
{{if .Refunded}}<div class="meta">Refunded: {{.Refunded}}</div>{{end}}
{{if .Message}}<div class="msg{{if .Problem}} problem{{end}}">{{.Message}}</div>{{end}}
{{if .Payable}}
<form method="post" action="{{.Action}}">
<button class="pay" name="action" value="pay">Pay {{.Amount}}</button>
<button class="decline" name="action" value="decline">Decline</button>
</form>
{{end}}
{{if .Continue}}<a class="continue" href="{{.Continue}}">Back to the shop</a>{{end}}
<div class="meta">Order {{.OutTradeNo}}{{if .Expires}} · expires {{.Expires}}{{end}}</div>
</div>
{{- end}}
{{- if .Orders}}
<h1>Sandbox orders</h1>
<table><tr><th>Order</th><th>Amount</th><th>State</th></tr>
{{range .Orders}}<tr><td>{{if .PayerLink}}<a href="{{.PayerLink}}">{{.OutTradeNo}}</a>{{else}}{{.OutTradeNo}}{{if eq .OrderType "refund"}} (refund){{end}}{{end}}</td><td>{{amount .Amount .Currency}}</td><td>{{stateText .State}}</td></tr>
{{end}}</table>
{{- else if not (or .Error .Pay)}}
<h1>Sandbox</h1><p>No orders yet.</p>
{{- end}}
</main></body></html>
`))

func (s *Server) writePage(w http.ResponseWriter, status int, d pageData) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		s.log.Error("page", "err", err)
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, msg string) {
	s.writePage(w, status, pageData{Title: title, Error: msg})
}

// payerPage is /sandbox/pay/{out_trade_no}, where an 800201 qrcode
// leads: GET shows the order, POST with action=pay or action=decline
// settles it and shows the result.
func (s *Server) payerPage(w http.ResponseWriter, r *http.Request) {
	out := r.PathValue("out_trade_no")
	s.mu.Lock()
	o := s.orders[out]
	found := o != nil && o.orderType == "payment" && s.payerKeyOK(r, o)
	var link string
	if found {
		link = o.payerLink()
	}
	s.mu.Unlock()
	if !found {
		// A wrong key gets the same answer as an unknown order: nothing
		// tells a stranger which order numbers exist.
		hint := " It keeps orders in memory only: was it restarted?"
		if s.cfg.StatePath != "" {
			hint = " Was the QR code made by another sandbox?"
		}
		s.errorPage(w, http.StatusNotFound, "No such order", "The sandbox has no payment "+strconv.Quote(out)+"."+hint)
		return
	}
	v := payView{Merchant: s.cfg.MerchantName, Action: link}
	var err error
	if r.Method == http.MethodPost {
		if err = r.ParseForm(); err == nil {
			err = s.act(out, r.PostForm.Get("action"))
		}
	}
	s.renderPay(w, r, out, v, err)
}

// renderPay fills v from the order and writes the page; on a POST it
// reports err (nil: the button worked).
func (s *Server) renderPay(w http.ResponseWriter, r *http.Request, outTradeNo string, v payView, err error) {
	o, _ := s.Order(outTradeNo)
	v.OutTradeNo, v.State, v.StateText = o.OutTradeNo, o.State, stateText[o.State]
	v.Amount = formatAmount(o.Amount, o.Currency)
	if v.GoodsName == "" {
		v.GoodsName = o.GoodsName
	}
	v.Payable = o.State == StatePending
	if v.Payable {
		v.Expires = s.format(o.ExpiresAt)
	}
	if o.Refunded > 0 {
		v.Refunded = formatAmount(o.Refunded, o.Currency)
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		switch {
		case err == nil:
			v.Message = v.StateText + "."
		case errors.Is(err, ErrOrderFinal):
			status, v.Problem = http.StatusConflict, true
			v.Message = "This order can no longer be paid or declined: it is " + strings.ToLower(v.StateText) + "."
		default:
			status, v.Problem = http.StatusBadRequest, true
			v.Message = err.Error()
		}
	}
	s.writePage(w, status, pageData{Title: v.Merchant + " · " + v.Amount, Pay: &v})
}

// indexPage is /sandbox/: every order, newest first, with links to the
// payer pages.
func (s *Server) indexPage(w http.ResponseWriter, r *http.Request) {
	l := s.Orders()
	for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
		l[i], l[j] = l[j], l[i]
	}
	s.writePage(w, http.StatusOK, pageData{Title: "Sandbox orders", Orders: l})
}
