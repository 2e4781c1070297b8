package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// oauthCodeTTL is how long an OAuth code can be exchanged (WeChat's).
const oauthCodeTTL = 5 * time.Minute

// wechatAppID is the appId of the sandbox's pretend Official Account.
const wechatAppID = "wx5a4db0c5a4db0c"

type oauthCode struct {
	issued time.Time
	used   bool
}

const (
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits = "0123456789abcdef"
)

// randomString is n characters drawn from alphabet with crypto/rand.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// oauthCode is GET /tool/v1/get_weixin_oauth_code (§10 step 1): app_code
// and sign travel as query parameters, sign being the MD5 signature of
// the other parameters (app_code, redirect_uri, mchid) with their raw
// values. It redirects to redirect_uri with a one-time code appended.
// In real life this happens inside WeChat; here any browser will do.
func (s *Server) oauthCode(w http.ResponseWriter, r *http.Request) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p[k] = vs[0]
	}
	app := p["app_code"]
	if app == "" || subtle.ConstantTimeCompare([]byte(app), []byte(s.cfg.AppCode)) != 1 {
		s.writeReply(w, failure(codeSignature, "app_code unknown"))
		return
	}
	if !payment.EqualSignatures(p["sign"], signReceived(p, s.cfg.ClientKey, payment.SignMD5)) {
		s.writeReply(w, failure(codeSignature, "sign error (MD5 over every parameter sent but sign, empty ones included, sorted, + client key)"))
		return
	}
	if rep := s.checkMchID(p); rep != nil {
		s.writeReply(w, rep)
		return
	}
	target, err := url.Parse(p["redirect_uri"])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		s.writeReply(w, failure(codeParam, "redirect_uri must be an absolute http(s) URL"))
		return
	}
	code := randomString(32, alnum)
	s.mu.Lock()
	room := s.pruneCodes(s.now())
	if room {
		s.codes[code] = &oauthCode{issued: s.now()}
	}
	s.mu.Unlock()
	if !room {
		s.log.Warn("OAuth code refused: too many unused codes", "max", maxCodes)
		http.Error(w, "too many OAuth codes waiting: try again in a few minutes", http.StatusServiceUnavailable)
		return
	}
	if target.RawQuery != "" {
		target.RawQuery += "&"
	}
	target.RawQuery += "code=" + code
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// openID is GET /tool/v1/get_weixin_openid (§10 step 2). A code works
// once and for five minutes; each gives a new openid that 800207
// payments then accept as sub_openid.
func (s *Server) openID(r *http.Request, p params) reply {
	code := p["code"]
	if code == "" {
		return failure(codeParam, "code is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[code]
	switch {
	case c == nil:
		return failure(codeParam, "code unknown")
	case c.used:
		return failure(codeParam, "code has been used already: get a new one for every payment")
	case s.now().Sub(c.issued) > oauthCodeTTL:
		return failure(codeParam, "code expired")
	}
	if !s.pruneOpenIDs(s.now()) {
		return failure(codeParam, "too many openids issued in the last hour: try again later")
	}
	c.used = true
	openid := "o" + randomString(27, alnum+"-_")
	s.openids[openid] = s.now()
	s.log.Info("openid issued", "openid", openid)
	return reply{"resperr": "", "respcd": codeOK, "respmsg": "", "openid": openid}
}

// newPayParams makes the pay_params of an 800207 order (§10 step 3),
// signed the way WeChat signs them: MD5 of the sorted parameters, then
// "&key=" and the client key. Call with s.mu held.
func (s *Server) newPayParams(now time.Time) map[string]string {
	pp := map[string]string{
		"appId":     wechatAppID,
		"timeStamp": strconv.FormatInt(now.Unix(), 10),
		"nonceStr":  randomString(32, hexDigits),
		"package":   "prepay_id=wx" + now.Format("20060102150405") + randomString(18, hexDigits),
		"signType":  "MD5",
	}
	pp["paySign"] = payment.Digest(payment.SigningString(pp)+"&key="+s.cfg.ClientKey, payment.SignMD5)
	return pp
}

// directParams are the /q/direct parameters, all required but goods_name
// (§10 step 4).
var directParams = []string{"mchntnm", "txamt", "currency", "redirect_url", "package", "timeStamp", "signType", "paySign", "appId", "nonceStr"}

var payParamNames = []string{"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}

// direct is /q/direct: QFPay's page that, inside WeChat, starts the JSAPI
// payment and then sends the payer to redirect_url. The sandbox shows the
// merchant, amount and goods with Pay and Decline buttons instead; either
// button settles the order behind package's prepay_id and redirects.
func (s *Server) direct(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	var missing []string
	for _, k := range directParams {
		if r.Form.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		s.errorPage(w, http.StatusBadRequest, "Payment link incomplete", "Missing parameters: "+strings.Join(missing, ", ")+".")
		return
	}
	redirect := r.Form.Get("redirect_url")
	if !strings.Contains(redirect, "://") {
		redirect = "http://" + redirect // QFPay's own sample sends "www.example.com"
	}
	if u, err := url.Parse(redirect); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.errorPage(w, http.StatusBadRequest, "Payment link invalid", "redirect_url is not an http(s) URL.")
		return
	}
	prepay := strings.TrimPrefix(r.Form.Get("package"), "prepay_id=")

	s.mu.Lock()
	o := s.byPrepay[prepay]
	var problem string
	switch {
	case o == nil:
		problem = "No order has this prepay_id (package)."
	case r.Form.Get("txamt") != strconv.FormatInt(o.amount, 10) || r.Form.Get("currency") != o.currency:
		problem = fmt.Sprintf("txamt and currency (%s %s) are not the order's (%d %s).", r.Form.Get("txamt"), r.Form.Get("currency"), o.amount, o.currency)
	default:
		for _, k := range payParamNames {
			if r.Form.Get(k) != o.payParams[k] {
				problem = "The pay_params do not match the order (" + k + " differs): pass them on unchanged."
				break
			}
		}
	}
	var out string
	if o != nil {
		out = o.outTradeNo
	}
	s.mu.Unlock()
	if problem != "" {
		s.errorPage(w, http.StatusBadRequest, "Payment link invalid", problem)
		return
	}

	v := payView{
		Merchant: r.Form.Get("mchntnm"), GoodsName: r.Form.Get("goods_name"),
		Action: r.URL.RequestURI(), Continue: redirect,
	}
	if r.Method == http.MethodPost {
		err := s.act(out, r.PostForm.Get("action"))
		if err == nil {
			http.Redirect(w, r, redirect, http.StatusSeeOther)
			return
		}
		s.renderPay(w, r, out, v, err)
		return
	}
	s.renderPay(w, r, out, v, nil)
}

// act carries out a payer page's button.
func (s *Server) act(outTradeNo, action string) error {
	switch action {
	case "pay":
		return s.Pay(outTradeNo)
	case "decline":
		return s.Decline(outTradeNo)
	}
	return errBadAction
}

var errBadAction = errors.New(`action must be "pay" or "decline"`)
