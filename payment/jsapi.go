package payment

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// OAuthCodeURL returns the address to send a WeChat browser to for an
// OAuth code (GET /tool/v1/get_weixin_oauth_code, §10 step 1). Its query
// carries app_code, redirect_uri, mchid (when set) and sign, the MD5
// signature over the raw values (the URL carries no X-QF-SIGNTYPE, so
// QFPay's default algorithm is used whatever WithSignType says). WeChat
// then returns the browser to redirectURI with a code parameter for
// OpenID.
func (c *Client) OAuthCodeURL(redirectURI string) string {
	p := map[string]string{"app_code": c.appCode, "redirect_uri": redirectURI}
	if c.mchID != "" {
		p["mchid"] = c.mchID
	}
	q := url.Values{}
	for k, v := range p {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("sign", Sign(p, c.key, SignMD5))
	return c.baseURL + pathOAuthCode + "?" + q.Encode()
}

// OpenID exchanges a WeChat OAuth code for the customer's openid (GET
// /tool/v1/get_weixin_openid, §10 step 2), the sub_openid of an 800207
// payment. A code works once, so OpenID is retried only when the request
// certainly never reached QFPay: it was never written, as after a failed
// DNS lookup, a refused connection or a failed TLS handshake.
func (c *Client) OpenID(ctx context.Context, code string) (string, error) {
	const op = "openid"
	code = strings.TrimSpace(code)
	if code == "" {
		return "", invalid(op, "code is required")
	}
	o, err := c.do(ctx, call{op: op, method: http.MethodGet, path: pathOpenID,
		params: map[string]string{"code": code}, retry: retryUnsent, once: true})
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(o.str("openid"))
	if id == "" {
		return "", &Error{Op: op, HTTPStatus: http.StatusOK, Result: o.result(), Err: errNoOpenID}
	}
	return id, nil
}

// DirectInfo is what the WeChat JSAPI payment page shows besides the
// pay_params (§10 step 4).
type DirectInfo struct {
	MerchantName string // mchntnm, the name shown to the customer
	Amount       int64  // txamt, in the currency's minor unit
	Currency     string // currency, e.g. "HKD"
	GoodsName    string // goods_name, optional
	RedirectURL  string // redirect_url, where the browser lands after paying
}

// DefaultMerchantName is the mchntnm DirectURL sends when DirectInfo
// gives none: QFPay requires one (§10 step 4).
const DefaultMerchantName = "WeChat Pay"

// DirectURL returns the /q/direct address that starts the payment in the
// customer's WeChat browser (§10 step 4): the Client's direct page with
// d and the pay_params p of an 800207 payment, every value URL-encoded.
// Empty values are left out, but mchntnm, which QFPay requires: an empty
// (or blank) MerchantName sends DefaultMerchantName.
func (c *Client) DirectURL(p PayParams, d DirectInfo) string {
	if strings.TrimSpace(d.MerchantName) == "" {
		d.MerchantName = DefaultMerchantName
	}
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("mchntnm", d.MerchantName)
	set("txamt", strconv.FormatInt(d.Amount, 10))
	set("currency", d.Currency)
	set("goods_name", d.GoodsName)
	set("redirect_url", d.RedirectURL)
	set("appId", p.AppID)
	set("timeStamp", p.TimeStamp)
	set("nonceStr", p.NonceStr)
	set("package", p.Package)
	set("signType", p.SignType)
	set("paySign", p.PaySign)
	sep := "?"
	if strings.Contains(c.directURL, "?") {
		sep = "&"
	}
	return c.directURL + sep + q.Encode()
}
