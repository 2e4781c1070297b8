// Package payment is qfpos's client for the QFPay Open API: request
// signing, the trade calls a point of sale needs (payment, query, close,
// reversal, refund), the WeChat JSAPI helpers, asynchronous notifications,
// typed errors and the classification of transaction records.
//
// The API reference the code follows is qfpay-api.md; comments cite its
// sections as §N.
//
// # Requests
//
// Every call is an HTTP request with form parameters, the headers
// X-QF-APPCODE and X-QF-SIGN and, for SHA256, X-QF-SIGNTYPE. Empty
// parameters are never sent, and the signature covers exactly the
// parameters that are sent (see [Sign]).
//
// # Errors and unknown outcomes
//
// Calls return an [*Error] for everything that goes wrong after the
// request has been built. [Error.Unknown] (or [IsUnknown]) tells whether
// QFPay may have acted on the request anyway — a timeout, a dropped
// connection, a redirect (never followed), a 5xx or a "please wait"
// respcd. After such an answer to CreatePayment, Close, Reversal or
// Refund, find out what happened with Query; never send the same
// out_trade_no again.
//
// Only idempotent calls (Query, the pages of QueryRange, and OpenID before
// the request could have reached QFPay) are retried. Writes are never
// retried by this package.
package payment
