package jsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"time"
)

// OAuthSignature is the signature the merchant's OAuth page (ModeOwn)
// adds, as sig, to the openid it returns: lowercase hex of
// HMAC-SHA256(secret, order + "\n" + openid + "\n" + ts), where order is
// the out_trade_no of the sale (the order parameter the page was given,
// and the ORDER of its redirect_uri PUBLIC/jsapi/ORDER/callback), openid
// the customer's openid and ts the decimal Unix time in seconds at which
// it signed, also returned as ts. The callback refuses an openid without
// a valid signature, and one signed more than SignatureValidFor ago (or
// more than SignatureSkew ahead): nothing is sent to QFPay for it.
func OAuthSignature(secret, order, openid, ts string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(order + "\n" + openid + "\n" + ts))
	return hex.EncodeToString(m.Sum(nil))
}

// openIDForm is what an openid may look like: WeChat's are 28 characters
// of this alphabet.
var openIDForm = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// tsForm is a Unix time in seconds, as OAuthSignature signs it.
var tsForm = regexp.MustCompile(`^[0-9]{1,12}$`)

// checkSignature checks the signed openid the merchant's OAuth page
// returned for order; "" when it is good, else why not (for the log).
func (s *Server) checkSignature(order, openid, ts, sig string) string {
	switch {
	case !openIDForm.MatchString(openid):
		return "the openid is malformed"
	case ts == "" || sig == "":
		return "unsigned (no ts or sig)"
	case !tsForm.MatchString(ts):
		return "ts is not a Unix time in seconds"
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "sig is not 64 hex digits"
	}
	want, _ := hex.DecodeString(OAuthSignature(s.cfg.OAuthSecret, order, openid, ts))
	if !hmac.Equal(got, want) {
		return "bad signature (another secret, order or openid)"
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	at, now := time.Unix(sec, 0), s.cfg.Now()
	switch {
	case now.Sub(at) > SignatureValidFor:
		return "stale: signed " + now.Sub(at).Round(time.Second).String() + " ago"
	case at.Sub(now) > SignatureSkew:
		return "signed " + at.Sub(now).Round(time.Second).String() + " in the future (clock skew)"
	}
	return ""
}
