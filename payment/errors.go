package payment

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrBadSignature is returned (possibly wrapped) when a notification's
// X-QF-SIGN does not match its body.
var ErrBadSignature = errors.New("qfpay: bad signature")

// ErrInvalidRequest is wrapped by the errors of requests that are refused
// before anything is sent, because a required field is missing or a value
// is out of range. Such a request certainly had no effect.
var ErrInvalidRequest = errors.New("invalid request")

// errUndecodable is wrapped when an answer is not the JSON QFPay sends.
var errUndecodable = errors.New("undecodable answer")

// errRedirect is wrapped when QFPay answers with a 3xx status, which is
// never followed.
var errRedirect = errors.New("redirect not followed")

// errNoOpenID is wrapped when get_weixin_openid succeeds without an openid.
var errNoOpenID = errors.New("answer carries no openid")

// Error is what the calls of a Client return when a request fails: a
// transport error (Err), an HTTP status other than 2xx (HTTPStatus), an
// answer that cannot be decoded (Err), or a decoded answer whose respcd is
// not "0000" (Result).
//
// Error never contains the client key or a signature.
type Error struct {
	Op         string // the call: "payment", "query", "close", "reversal", "refund", "openid"
	HTTPStatus int    // the HTTP status, 0 if no response was received
	Result            // the decoded outer result, if any
	Err        error  // the underlying error, if any

	// RetryAfter is the delay QFPay asked for with Retry-After (HTTP 429
	// or 503), zero if none.
	RetryAfter time.Duration

	notSent bool // the request certainly did not reach QFPay
	ctxDone bool // the caller's context ended
}

// Error describes the failure.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("qfpay ")
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString("call")
	}
	if e.HTTPStatus != 0 && (e.HTTPStatus < 200 || e.HTTPStatus > 299) {
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
	}
	if e.RespCd != "" {
		fmt.Fprintf(&b, ": respcd %s", e.RespCd)
		if e.RespErr != "" {
			b.WriteString(" ")
			b.WriteString(e.RespErr)
		}
		if e.RespMsg != "" && e.RespMsg != e.RespErr {
			fmt.Fprintf(&b, " (%s)", e.RespMsg)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// unknownCodes are the respcds after which the outcome of a request is not
// known and QFPay must be asked with a query (§7).
var unknownCodes = map[string]bool{
	RespNotPaid: true, RespProcessing: true, RespSlowNetwork: true,
	RespDuplicate: true, "2011": true, "1136": true, "1252": true, "1254": true,
	"1295": true, "1296": true, "1161": true, "1101": true,
}

// retryableCodes are the respcds after which an idempotent call may be
// repeated (§7).
var retryableCodes = map[string]bool{
	"1100": true, RespCancelUnsupp: true, "1295": true, "1296": true, "1252": true, "1254": true,
}

// Unknown reports whether QFPay may or may not have acted on the request:
// a timeout, a dropped or reset connection, a 3xx (never followed), 5xx,
// 408 or 429 answer, an undecodable body, a cancellation while the request was in flight, the
// "in progress" codes 1143, 1145 and 1298, and the codes whose action in §7
// is "query" (1101, 1102, 1136, 1161, 1252, 1254, 1295, 1296, 2011). After
// an unknown outcome, query before doing anything else.
func (e *Error) Unknown() bool {
	if e == nil {
		return false
	}
	if e.Err != nil {
		switch {
		case errors.Is(e.Err, ErrInvalidRequest), e.notSent:
			return false
		case errors.Is(e.Err, errNoOpenID):
			return false
		}
		return true // transport failure after sending, or undecodable answer
	}
	if e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusRequestTimeout {
		return true
	}
	return unknownCodes[e.RespCd]
}

// Retryable reports whether an idempotent call (a query) may be repeated
// after this error: network errors and timeouts, 5xx, 408, 429, and the
// respcds 1100, 1252, 1254, 1295, 1296 and 1297. A request refused as
// invalid, a redirect, an undecodable answer and the end of the caller's
// context are not retryable.
func (e *Error) Retryable() bool {
	if e == nil {
		return false
	}
	if e.Err != nil {
		switch {
		case e.ctxDone, errors.Is(e.Err, context.Canceled):
			return false
		case errors.Is(e.Err, ErrInvalidRequest), errors.Is(e.Err, errUndecodable), errors.Is(e.Err, errNoOpenID),
			errors.Is(e.Err, errRedirect):
			return false
		}
		var cv *tls.CertificateVerificationError
		return !errors.As(e.Err, &cv)
	}
	if e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusRequestTimeout {
		return true
	}
	return retryableCodes[e.RespCd]
}

// IsUnknown reports whether err is an [*Error] whose outcome is unknown
// (see [Error.Unknown]). A bare context cancellation or deadline counts as
// unknown too; any other error does not.
func IsUnknown(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Unknown()
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// failedBeforeWrite reports whether a transport error can only happen
// before a request is written: a failed DNS lookup, a failed dial or a
// server certificate that does not verify.
func failedBeforeWrite(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
