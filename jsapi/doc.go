// Package jsapi serves the small web pages of a WeChat JSAPI sale (pay
// type 800207, qfpay-api.md §10): the pages a customer's phone opens when
// it scans the QR of PUBLIC/jsapi/<order> instead of the sale's 800201 QR,
// and pays inside WeChat's browser. PUBLIC is the https address a reverse
// proxy serves the Server at (see the README, "WeChat JSAPI").
//
//	GET /jsapi/{order}                   not WeChat: a page saying to open it in WeChat,
//	                                     with the order's 800201 QR as the alternative;
//	                                     WeChat: 302 to the OAuth step
//	GET /jsapi/{order}/callback          ?code= (mode qfpay) or ?openid=&ts=&sig= (mode own):
//	                                     openid, then a new 800207 attempt, then
//	                                     302 to QFPay's /q/direct (mode qfpay) or 303 to
//	GET /jsapi/pay?attempt=…             (mode own) the page that calls WeixinJSBridge; it
//	                                     is always in PUBLIC/jsapi/, the Official Account's
//	                                     JSAPI payment directory
//	GET /jsapi/{order}/result/{attempt}  where the customer lands: asks the server
//	GET /jsapi/{order}/status/{attempt}  JSON the result page polls; the server queries QFPay
//
// Two ways to learn the customer's openid, as QFPay documents them:
//
//   - ModeQFPay (default), for merchants without an Official Account of
//     their own: QFPay's signed get_weixin_oauth_code sends the phone
//     back to the callback with a one-time code, which get_weixin_openid
//     exchanges — once; a code is never exchanged twice, and a replayed
//     callback gets a page saying so. The phone then goes to QFPay's
//     /q/direct with the pay_params, which opens WeChat Pay and returns to
//     the result page.
//   - ModeOwn, for a merchant with a verified Official Account bound to
//     QFPay: the merchant's own OAuth page (Config.OAuthURL) gets
//     redirect_uri and order, and sends the phone back to the callback
//     with openid, ts and sig — the openid signed with Config.OAuthSecret
//     (OAuthSignature). An openid unsigned, forged, for another order or
//     older than SignatureValidFor is refused with a 403 page, and
//     nothing is sent to QFPay; a signed openid is taken once. The pay
//     page then calls
//     WeixinJSBridge.invoke('getBrandWCPayRequest', pay_params, …) itself
//     and goes to the result page in its callback. WeChat allows that call
//     only from a page whose directory is registered exactly, hence the
//     one pay page for every order.
//
// Anyone who saw a sale's QR can call its callback. The sign-ins (codes,
// signed openids) are kept by the running sale in the engine
// (checkout.Engine.OpenID, UseSignIn), not in the Server: a sale takes at
// most a few, one openid exchange at a time, and each exchange spends the
// engine's QFPay request budget after the polling of running sales. A
// flood costs QFPay a few requests per sale and locks no other sale out.
//
// A process that serves the pages for one sale (qfpos pay --jsapi) keeps
// them up after the sale ends until Unseen says every attempt's outcome
// has been shown, within a grace: the customer who has just paid is not
// left on a dead page.
//
// The JavaScript callback and the /q/direct redirect never decide
// anything: the result page asks the server, which settles the attempt by
// a query at QFPay (checkout.Engine.CheckAttempt); the sale at the counter
// is woken at the same moment and ends paid.
//
// Every failure — no code, a code used twice, the openid exchange failing,
// the payment refused, QFPay unreachable, a sale that is over — is a page
// that says what happened and what to do, in English and Chinese, and is
// noted in the order file (checkout.Engine.NoteAttempt, or the attempt's
// own state). No page is ever blank or shows a stack trace; a panic is
// recovered into such a page.
package jsapi
