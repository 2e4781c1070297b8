// Package sandbox is a fake QFPay Open API that runs in-process or on
// its own: qfpos, its tests and a trade-show stand run end to end with it
// and no QFPay credentials. It serves the same HTTP API as QFPay for
// WeChat Pay QR (pay_type 800201) and WeChat JSAPI (800207), as
// shared/qfpay-api.md describes it (cited §N below), plus pages a phone
// can open to pay, and a control API to script what happens.
//
// # Starting it
//
//	s, err := sandbox.Start("", sandbox.Config{MerchantName: "Demo shop"})
//	// s.URL() is e.g. http://127.0.0.1:41234: use it as the QFPay base URL
//	defer s.Close()
//
// or mount New(cfg) (an http.Handler) on your own listener or httptest.
//
// # Defaults
//
// With an empty Config (and on loopback) the sandbox takes the app code
// DefaultAppCode (5A4DB0C5A4DB0C5A4DB0C5A4DB0C5A4D) and the client key
// DefaultClientKey (C11E47E0C11E47E0C11E47E0C11E47E0), wants no mchid (and
// refuses one), shows DefaultMerchantName, uses time.Now and QFPay's zone
// payment.DefaultZone (UTC+8, whatever the machine's zone), and listens
// (Start) on 127.0.0.1 on a free port. Orders are kept in memory, so a
// restart forgets them, unless Config.StatePath names a file to keep them
// in. syssn sequences start at a random point so numbers from separate
// runs do not collide in a kept order file.
//
// # The API
//
// Requests are checked as QFPay checks them (§2): X-QF-APPCODE must be
// the app code and X-QF-SIGN the upper- or lower-case hex MD5 (or SHA256
// with X-QF-SIGNTYPE: SHA256) of exactly the parameters received, form
// body and query string together, sorted by name, joined as name=value
// with "&", followed by the client key. A parameter sent empty (udid=) is
// signed as "udid=", as QFPay's own samples sign every key they send; a
// client that sends no empty parameters (payment.Sign) is unaffected. Answers are HTTP 200 JSON
// objects whose values are strings, except a query's page and page_size
// (numbers) and data (a list of records, all strings), and a payment's
// pay_params (an object of strings). They carry X-QF-SIGN =
// payment.BodySignature of the raw body (§3), errors included.
//
//	POST /trade/v1/payment        create an 800201 (qrcode) or 800207 (pay_params) order
//	POST /trade/v1/query          records by syssn / out_trade_no lists, pay_type, respcd,
//	                              start_time–end_time on sysdtm, page, page_size ≤ 100
//	GET|POST /trade/v1/close      cancel an unpaid order
//	GET|POST /trade/v1/reversal   the same (docs disagree which one 800201 uses, §5.1)
//	POST /trade/v1/refund         full or partial refund of a paid order
//	GET  /tool/v1/get_weixin_oauth_code   302 to redirect_uri with a one-time code
//	GET  /tool/v1/get_weixin_openid       code → openid, once per code
//	GET  /q/direct                the JSAPI pay page (§10 step 4)
//
// For 800201 the qrcode is a URL of the sandbox's own payer page,
// {PublicURL}/sandbox/pay/{out_trade_no}, so a phone camera opens it.
// An order is pending until paid or declined (payer page, control API,
// Pay, Decline, PayAfter), closed, or expired: expired_time minutes
// (default 30) after the sandbox created it, whatever txdtm says. Expiry
// and PayAfter are applied lazily whenever an order is looked at, so an
// injected Config.Now drives them. Queries that give no syssn apply
// start_time/end_time; with neither time they see only orders whose
// sysdtm is in the current month of the sandbox's clock in its Location,
// even a lookup by out_trade_no, as QFPay does (§4).
// Refund records (order_type "refund", origssn) are separate records with
// their own out_trade_no and syssn and are paid at once.
//
// # Response codes
//
// Query records (§4):
//
//	unpaid            respcd 1143, cancel 0, paydtm "" (errmsg as in §4's example)
//	paid              respcd 0000, cancel 0; after refunds cancel 3 (full) or 5 (partial)
//	declined by payer respcd 1205
//	closed/reversed   respcd 1142, cancel 2
//	expired           respcd 1181 (cancel 2 as well if closed afterwards)
//	refund record     respcd 0000, order_type refund, origssn = the payment's syssn
//
// Calls:
//
//	0000  success (query: also when nothing matches: data is [])
//	1102  payment or refund with an out_trade_no used before by either
//	1104  a parameter missing or wrong: pay_type not 800201/800207, txamt not
//	      1–11 digits or 0, txcurrcd not one of §8's, out_trade_no not 1–128 of
//	      [A-Za-z0-9_|*-], txdtm not exactly YYYY-MM-DD hh:mm:ss, expired_time
//	      not 5–120, goods_name over 64 characters, sub_openid missing or not
//	      issued, bad page/page_size, query range reversed or over a calendar
//	      month, OAuth code unknown/used/expired, mchid sent but none
//	      configured, or configured but not sent
//	1108  X-QF-APPCODE or X-QF-SIGN (or the OAuth sign) wrong
//	1125  refund of a payment refunded in full already
//	1136  close/reversal/refund of a transaction that does not exist (or is a refund)
//	1205  (record) the payer declined
//	1241  mchid is not the configured one
//	1260  reversal of a paid order: refund instead
//	1261  refund of an order that is not paid
//	1266  close/reversal with a txamt that is not the order's
//	1267  close/reversal whose syssn and out_trade_no name different orders
//	1272  refund beyond what is left to refund
//	1297  close of a paid order ("cannot be cancelled"): the client queries
//	      and finds it paid
//
// Closing or reversing an order that is not paid always answers 0000 and
// is idempotent: again it answers 0000 with the same cancel syssn.
//
// # JSAPI (800207)
//
// get_weixin_oauth_code takes app_code, redirect_uri (absolute http(s)),
// optional mchid, and sign: the MD5 signature of those raw values. It
// redirects to redirect_uri with code=… appended to any query it has.
// get_weixin_openid (headers signed as usual over code[, mchid]) answers
// {"resperr":"","respcd":"0000","respmsg":"","openid":"o…"}; a code works
// once, within five minutes. An 800207 payment needs a sub_openid the
// sandbox issued and answers pay_params {appId, timeStamp, nonceStr,
// package "prepay_id=…", signType "MD5", paySign}. /q/direct wants
// mchntnm, txamt, currency, redirect_url and all six pay_params
// (goods_name optional); txamt and currency must be the order's and the
// pay_params unchanged, else it shows an error page. Its Pay and Decline
// buttons settle the order and redirect (303) to redirect_url ("http://"
// is added when it has no scheme, as in QFPay's sample).
//
// # Payer page
//
// GET /sandbox/pay/{out_trade_no} is a phone-sized page with the
// merchant name, the amount in major units as package money formats it
// ("HK$12.50"), the goods name, the state and, while the order is pending,
// big Pay and Decline buttons that POST action=pay or action=decline and
// show the result (HTTP 409 when the order is closed, expired or settled
// already). GET /sandbox/ lists every order with links to these pages.
//
// # Control API
//
// Plain JSON over HTTP, for tests in other processes and for people at
// a stand:
//
//	POST /sandbox/control/pay?out_trade_no=…          pay now
//	POST /sandbox/control/decline?out_trade_no=…      decline now
//	POST /sandbox/control/pay-after?out_trade_no=…&after=2s
//	GET  /sandbox/control/orders                      {"orders": [OrderView…]}
//	GET  /sandbox/control/faults                      the faults not used yet
//	POST /sandbox/control/faults                      replace them (JSON Faults; {} clears)
//
// Order calls answer {"order": OrderView}, or {"error": …} with 404 (no
// such order), 409 (already final) or 400.
//
// # Loopback and public servers
//
// Start listens on loopback unless told otherwise. There the control API,
// the order list (GET /sandbox/) and the payer pages need no credentials
// (unless Config.ControlToken is set): only processes of this machine can
// reach them, and those can read the state file anyway; requiring a token
// would only make scripts and tests pass one around. Browsers' cross-site
// requests to the control API are refused (403), so a web page cannot
// drive a loopback sandbox either.
//
// Any other address (0.0.0.0, ::, a LAN address), or Config.Public, makes
// the server public, for a trade-show stand where anyone on the Wi-Fi can
// reach it:
//
//   - the control API and the order list answer only requests with
//     "Authorization: Bearer " + ControlToken (random unless given; qfpos
//     prints it at start), 401 otherwise;
//   - the app code and client key are random (crypto/rand) unless Config
//     sets them, so the published defaults sign nothing here; AppCode
//     tells the app code, nothing tells the key;
//   - each payment gets a random key, carried in its qrcode
//     (/sandbox/pay/{out_trade_no}?k=…) and OrderView.PayerLink: a payer
//     page opens, pays or declines only the order its key belongs to, and
//     answers 404 without it, so a stranger can do no more than the payer
//     of a QR he has seen. /q/direct is bound to its order by the
//     pay_params (a random nonceStr and paySign) it must repeat;
//   - pages anyone may open (payer pages, /q/direct, the OAuth redirect)
//     are rate-limited together (20 a second, bursts of 60; 429 beyond).
//
// There the QR codes carry the machine's first non-loopback IPv4 address
// (or Config.PublicURL), so phones on the stand's Wi-Fi can open them,
// while URL still answers with 127.0.0.1 for the local app.
//
// Either way every table is bounded: at most 100,000 orders (a payment or
// refund beyond answers 1104), 10,000 live OAuth codes and 10,000 openids
// (an openid works for an hour), and Start sets every server timeout
// (a scripted fault Delay of more than about five minutes gets no answer).
//
// # Faults
//
// SetFaults (or POST /sandbox/control/faults) queues failures per
// endpoint: latency, HTTP 5xx, 429 with Retry-After, malformed JSON, a
// dropped connection (closed without a byte of answer), and a "pending"
// answer (1143/1145/1298 instead of 0000). Drop, 5xx and malformed can
// happen before or after the request is carried out (Fault.Processed):
// {"payment":[{"kind":"drop","processed":true}]} is the classic unknown
// outcome, where QFPay created the order but the answer never arrived.
// A Delay is waited in full even when the client gives up meanwhile, and
// the request is then still carried out, so a client timeout is an
// unknown outcome too; Close cuts delays short. Note that Go's
// http.Transport silently replays a GET (get_weixin_openid, or close and
// reversal sent as GET) once when a reused keep-alive connection drops
// without an answer, unless the request has a body without GetBody: a
// client that does not guard against that sees the replay's answer, not
// the drop.
//
// Not simulated: other pay types, asynchronous notifications (notify_url
// is accepted and ignored), settlement, trade_bill downloads, rate
// limiting other than scripted 429s.
package sandbox
