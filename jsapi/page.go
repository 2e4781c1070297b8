package jsapi

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/qfpos/qfpos/payment"
)

// Icons a page can show.
const (
	iconOK   = "ok"
	iconFail = "fail"
	iconWait = "wait"
	iconInfo = "info"
)

// action is a button-like link on a page.
type action struct {
	Href    string
	Label   text
	Primary bool
}

// page is what one page shows. The zero value of a field leaves its part
// out.
type page struct {
	Lang        string // the html lang of the Chinese text
	Sandbox     bool
	SandboxText text
	RefLabel    text
	Merchant    string
	Amount      string // e.g. "HKD 12.50"
	Goods       string
	Icon        string
	Title       text
	Body        []text
	Detail      string // a technical detail for the counter, e.g. QFPay's respcd

	QRImage template.URL // data: URL of the 800201 QR (not WeChat)
	QRText  string       // the 800201 QR's content

	Actions []action
	Ref     string // the order or attempt number, to quote at the counter

	// Result page: the status JSON it polls until final.
	StatusURL string
	Slow      text // shown when the result takes long

	// Mode own: the WeixinJSBridge call.
	PayParams *payment.PayParams
	ResultURL string
	NoBridge  text

	Nonce string // the CSP nonce of the page's script
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex">
<title>{{.Title.En}} · {{.Title.Zh}}</title>
{{- if .StatusURL}}<noscript><meta http-equiv="refresh" content="3"></noscript>{{end}}
<style nonce="{{.Nonce}}">
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,system-ui,"PingFang SC","PingFang TC","Noto Sans CJK SC","Noto Sans CJK TC",sans-serif;background:#f2f3f5;color:#1f2329;-webkit-text-size-adjust:100%}
.banner{background:#b45309;color:#fff;text-align:center;padding:.35em;font-size:.85em;font-weight:600;letter-spacing:.04em}
main{max-width:30em;margin:0 auto;padding:1.1em 1em 2em}
.card{background:#fff;border-radius:14px;padding:1.4em 1.2em;box-shadow:0 1px 3px #0001,0 4px 16px #0000000d;text-align:center}
.merchant{color:#646a73;font-size:1em}
.amount{font-size:2.3em;font-weight:700;margin:.15em 0 .1em;letter-spacing:.01em}
.goods{color:#646a73;font-size:.95em}
.icon{width:3.6rem;height:3.6rem;border-radius:50%;margin:.2rem auto .9rem;display:flex;align-items:center;justify-content:center;font-size:1.8rem;font-weight:700;color:#fff}
.icon.ok{background:#07c160}.icon.fail{background:#e5484d}.icon.info{background:#3370ff}
.icon.wait{background:none;border:.3rem solid #dfe1e5;border-top-color:#07c160;animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
h1{font-size:1.35em;margin:.5em 0 .1em;line-height:1.3}
h1 .zh{display:block;font-size:.9em;font-weight:600;color:#1f2329;margin-top:.15em}
p{margin:.7em 0;line-height:1.45}
p .zh{display:block;color:#646a73;font-size:.95em;margin-top:.2em}
.qr{margin:1em auto .4em;width:15em;max-width:80%}
.qr img{width:100%;height:auto;image-rendering:pixelated;display:block}
.qrtext{font-family:ui-monospace,"Noto Sans Mono",monospace;font-size:.75em;color:#646a73;word-break:break-all;margin:.2em 0 .8em}
.actions{display:flex;flex-direction:column;gap:.7em;margin-top:1.3em}
.btn{display:block;padding:.85em 1em;border-radius:10px;text-decoration:none;font-size:1.05em;font-weight:600;background:#f2f3f5;color:#1f2329;border:0;width:100%;font-family:inherit;cursor:pointer}
.btn.primary{background:#07c160;color:#fff}
.btn .zh{font-weight:500;font-size:.9em;margin-left:.4em}
.detail{font-family:ui-monospace,"Noto Sans Mono",monospace;font-size:.75em;color:#8f959e;word-break:break-all;margin-top:1.2em}
.ref{font-size:.8em;color:#8f959e;margin-top:1.1em;word-break:break-all}
.slow{background:#fff7e6;border-radius:8px;padding:.6em .8em;font-size:.95em}
[hidden]{display:none!important}
</style></head><body>
{{if .Sandbox}}<div class="banner">{{.SandboxText.En}} · {{.SandboxText.Zh}}</div>{{end}}
<main><div class="card">
{{if .Icon}}<div class="icon {{.Icon}}" aria-hidden="true">{{if eq .Icon "ok"}}✓{{else if eq .Icon "fail"}}✕{{else if eq .Icon "info"}}i{{end}}</div>{{end}}
{{if .Merchant}}<div class="merchant">{{.Merchant}}</div>{{end}}
{{if .Amount}}<div class="amount">{{.Amount}}</div>{{end}}
{{if .Goods}}<div class="goods">{{.Goods}}</div>{{end}}
<h1 id="title">{{.Title.En}}<span class="zh">{{.Title.Zh}}</span></h1>
{{range .Body}}<p>{{.En}}<span class="zh">{{.Zh}}</span></p>
{{end}}
{{- if .QRImage}}<div class="qr"><img src="{{.QRImage}}" alt="QR code"></div>
<div class="qrtext">{{.QRText}}</div>{{end}}
{{- if .StatusURL}}<p class="slow" id="slow" hidden>{{.Slow.En}}<span class="zh">{{.Slow.Zh}}</span></p>{{end}}
{{- if .PayParams}}<p class="slow" id="nobridge" hidden>{{.NoBridge.En}}<span class="zh">{{.NoBridge.Zh}}</span></p>{{end}}
{{- if .Actions}}<div class="actions" id="actions"{{if .StatusURL}} hidden{{end}}>
{{range .Actions}}{{if .Href}}<a class="btn{{if .Primary}} primary{{end}}" href="{{.Href}}">{{.Label.En}}<span class="zh">{{.Label.Zh}}</span></a>{{else}}<button class="btn{{if .Primary}} primary{{end}}" id="pay" type="button">{{.Label.En}}<span class="zh">{{.Label.Zh}}</span></button>{{end}}
{{end}}</div>{{end}}
{{- if .Detail}}<div class="detail">{{.Detail}}</div>{{end}}
{{- if .Ref}}<div class="ref">{{.RefLabel.En}} · {{.RefLabel.Zh}}: {{.Ref}}</div>{{end}}
</div></main>
{{- if .StatusURL}}
<script nonce="{{.Nonce}}">
(function(){
  var url = {{.StatusURL}}, n = 0;
  function later(){
    n++;
    if (n === 20) { document.getElementById('slow').hidden = false; var a = document.getElementById('actions'); if (a) a.hidden = false; }
    setTimeout(tick, n < 20 ? 1500 : 4000);
  }
  function tick(){
    fetch(url, {cache: 'no-store', credentials: 'same-origin'})
      .then(function(r){ return r.json(); })
      .then(function(s){ if (s.final) { location.reload(); } else { later(); } })
      .catch(later);
  }
  later();
})();
</script>
{{- end}}
{{- if .PayParams}}
<script nonce="{{.Nonce}}">
(function(){
  var params = {{.PayParams}}, result = {{.ResultURL}}, asked = false;
  // The callback's res.err_msg is only a hint: the result page asks the server.
  function done(){ location.replace(result); }
  function pay(){
    if (typeof WeixinJSBridge === 'undefined') { document.getElementById('nobridge').hidden = false; return; }
    asked = true;
    WeixinJSBridge.invoke('getBrandWCPayRequest', params, done);
  }
  document.getElementById('pay').addEventListener('click', pay);
  if (typeof WeixinJSBridge === 'undefined') {
    document.addEventListener('WeixinJSBridgeReady', pay, false);
    setTimeout(function(){ if (!asked) document.getElementById('nobridge').hidden = false; }, 3000);
  } else {
    pay();
  }
})();
</script>
{{- end}}
</body></html>
`))

// render writes p with status. A page that cannot be rendered (a bug)
// still gets a page with text.
func (s *Server) render(w http.ResponseWriter, status int, p page) {
	p.Sandbox, p.SandboxText, p.RefLabel = s.cfg.Sandbox, s.t("sandbox"), s.t("label.ref")
	p.Lang = "zh-Hant"
	if s.simplified {
		p.Lang = "zh-Hans"
	}
	if p.Merchant == "" {
		p.Merchant = s.cfg.MerchantName
	}
	p.Nonce = nonce()
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		s.log.Error("jsapi: page", "err", err)
		b.Reset()
		b.WriteString(fallbackPage)
		status = http.StatusServiceUnavailable
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'nonce-"+p.Nonce+"'; script-src 'nonce-"+p.Nonce+"'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fallbackPage is shown when even the page template fails.
const fallbackPage = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Something went wrong</title></head>
<body style="font-family:sans-serif;padding:1.5em"><h1>Something went wrong · 出現問題</h1>
<p>This page could not be shown. If you have paid, the counter shows it; otherwise please ask at the counter.</p>
<p>無法顯示此頁。如您已付款，櫃檯會顯示；否則請向櫃檯查詢。</p></body></html>
`

// nonce is a fresh CSP nonce.
func nonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}
