package jsapi

// msg is one text of the pages in English, Traditional and Simplified
// Chinese. Every page shows English and one Chinese script.
type msg struct{ en, hant, hans string }

// text is a msg in the two languages a page shows.
type text struct{ En, Zh string }

// messages are the texts of the pages, by id.
var messages = map[string]msg{
	"notwechat.title": {"Open in WeChat to pay", "請在微信中打開付款", "请在微信中打开付款"},
	"notwechat.body": {"WeChat Pay works only inside WeChat. Scan this QR code with WeChat's Scan, or open this page in WeChat.",
		"微信支付只能在微信內使用。請用微信「掃一掃」掃描此二維碼，或在微信中打開此頁。",
		"微信支付只能在微信内使用。请用微信“扫一扫”扫描此二维码，或在微信中打开此页。"},
	"notwechat.sandbox": {"Sandbox: continue as if in WeChat", "測試環境：當作在微信中繼續", "测试环境：当作在微信中继续"},

	"noorder.title": {"Payment not found", "找不到此付款", "找不到此付款"},
	"noorder.body": {"This payment link is not valid. Please scan the code at the counter again.",
		"此付款連結無效，請重新掃描櫃檯的二維碼。", "此付款链接无效，请重新扫描柜台的二维码。"},

	"closed.title": {"This payment is closed", "此付款已結束", "此付款已结束"},
	"closed.body": {"It can no longer be paid here. If you have paid, the counter shows it; otherwise ask at the counter for a new code.",
		"此付款已無法在此支付。如您已付款，櫃檯會顯示；否則請向櫃檯索取新的二維碼。",
		"此付款已无法在此支付。如您已付款，柜台会显示；否则请向柜台索取新的二维码。"},
	"notready.title": {"This payment is not ready", "此付款尚未準備好", "此付款尚未准备好"},
	"notready.body": {"The counter is still preparing it. Please try again in a moment.",
		"櫃檯仍在準備中，請稍後再試。", "柜台仍在准备中，请稍后再试。"},

	"paid.title": {"Paid", "付款成功", "付款成功"},
	"paid.body": {"Thank you — the payment is confirmed. The counter shows it too; you can show this page there.",
		"多謝！付款已確認，櫃檯亦會顯示，您可向櫃檯出示此頁。",
		"谢谢！付款已确认，柜台也会显示，您可向柜台出示此页。"},
	"notpaid.title": {"Not paid", "未付款", "未付款"},
	"notpaid.body": {"The payment was not completed. You have not been charged.",
		"付款未完成，您沒有被收費。", "付款未完成，您没有被收费。"},
	"cancelled.title": {"Payment cancelled", "付款已取消", "付款已取消"},
	"cancelled.body": {"This payment was closed before it was paid. You have not been charged.",
		"此付款在支付前已關閉，您沒有被收費。", "此付款在支付前已关闭，您没有被收费。"},
	"checking.title": {"Checking your payment…", "正在確認付款…", "正在确认付款…"},
	"checking.body": {"Please keep this page open. The counter shows the result at the same moment.",
		"請保持此頁開啟，櫃檯會同時顯示結果。", "请保持此页打开，柜台会同时显示结果。"},
	"checking.slow": {"Not paid yet? If you closed WeChat Pay without paying, you can try again.",
		"尚未付款？如您關閉了微信支付而未付款，可以再試一次。",
		"尚未付款？如您关闭了微信支付而未付款，可以再试一次。"},
	"twice.body": {"This sale was paid more than once. The shop refunds the extra payment: please show this page at the counter.",
		"此單已被重複付款，商店會退回多付的款項，請向櫃檯出示此頁。",
		"此单已被重复付款，商店会退回多付的款项，请向柜台出示此页。"},

	"nocode.title": {"WeChat sign-in not completed", "微信授權未完成", "微信授权未完成"},
	"nocode.body": {"WeChat Pay needs WeChat's sign-in to know who pays. Nothing was charged. Please try again.",
		"微信支付需要微信授權以確認付款人。沒有收取任何費用，請再試一次。",
		"微信支付需要微信授权以确认付款人。没有收取任何费用，请再试一次。"},
	"usedcode.title": {"This link was already used", "此連結已使用", "此链接已使用"},
	"usedcode.body": {"Each WeChat sign-in works only once. If you have just paid, check your payment; otherwise start again.",
		"每次微信授權只能使用一次。如您剛剛已付款，請查看付款；否則請重新開始。",
		"每次微信授权只能使用一次。如您刚刚已付款，请查看付款；否则请重新开始。"},
	"badcode.title": {"WeChat sign-in could not be confirmed", "無法確認微信授權", "无法确认微信授权"},
	"badcode.body": {"The sign-in has expired or was already used. Nothing was charged. Please start again.",
		"授權已過期或已被使用，沒有收取任何費用。請重新開始。",
		"授权已过期或已被使用，没有收取任何费用。请重新开始。"},
	"noopenid.title": {"Sign-in not completed", "登入未完成", "登录未完成"},
	"noopenid.body": {"The shop's WeChat sign-in did not say who pays. Nothing was charged. Please try again.",
		"商店的微信授權未能確認付款人，沒有收取任何費用。請再試一次。",
		"商店的微信授权未能确认付款人，没有收取任何费用。请再试一次。"},
	"badsig.title": {"Sign-in could not be confirmed", "無法確認登入", "无法确认登录"},
	"badsig.body": {"The shop's WeChat sign-in could not be verified, or it has expired. Nothing was charged. Please start again.",
		"無法核實商店的微信授權，或授權已過期，沒有收取任何費用。請重新開始。",
		"无法核实商店的微信授权，或授权已过期，没有收取任何费用。请重新开始。"},
	"toomany.title": {"Too many tries", "嘗試次數過多", "尝试次数过多"},
	"toomany.body": {"This payment cannot take more WeChat sign-ins. Nothing was charged. Please ask at the counter for a new code.",
		"此付款無法再接受微信授權，沒有收取任何費用。請向櫃檯索取新的二維碼。",
		"此付款无法再接受微信授权，没有收取任何费用。请向柜台索取新的二维码。"},
	"busy.title": {"Please wait a moment", "請稍候", "请稍候"},
	"slow.body":  {"Too many requests reached this page just now. Nothing was charged. Please try again in a moment.", "剛才此頁收到太多請求。未有扣款，請稍後再試。", "刚才此页收到太多请求。未扣款，请稍后再试。"},
	"busy.body": {"Another WeChat sign-in for this payment is being checked. Nothing was charged. Please try again in a moment.",
		"此付款的另一個微信授權正在確認中，沒有收取任何費用。請稍後再試。",
		"此付款的另一个微信授权正在确认中，没有收取任何费用。请稍后再试。"},
	"unreachable.title": {"Payment service unavailable", "付款服務暫時無法使用", "付款服务暂时无法使用"},
	"unreachable.body": {"We cannot reach the payment service right now. You have not been charged. Please try again in a moment.",
		"暫時無法連接付款服務，您沒有被收費。請稍後再試。",
		"暂时无法连接付款服务，您没有被收费。请稍后再试。"},
	"refused.title": {"Payment refused", "付款被拒絕", "付款被拒绝"},
	"refused.body": {"The payment service refused this payment. You have not been charged. Please pay another way, or ask at the counter.",
		"付款服務拒絕了此付款，您沒有被收費。請改用其他方式付款，或向櫃檯查詢。",
		"付款服务拒绝了此付款，您没有被收费。请改用其他方式付款，或向柜台查询。"},
	"unknown.title": {"Payment could not be started", "未能開始付款", "未能开始付款"},
	"unknown.body": {"The payment service did not confirm the payment request, so WeChat Pay was not opened. You have not been charged. Please try again.",
		"付款服務未能確認付款請求，因此沒有開啟微信支付，您沒有被收費。請再試一次。",
		"付款服务未能确认付款请求，因此没有打开微信支付，您没有被收费。请再试一次。"},
	"error.title": {"Something went wrong", "出現問題", "出现问题"},
	"error.body": {"This page could not be shown. If you have paid, the counter shows it; otherwise please ask at the counter.",
		"無法顯示此頁。如您已付款，櫃檯會顯示；否則請向櫃檯查詢。",
		"无法显示此页。如您已付款，柜台会显示；否则请向柜台查询。"},
	"method.title": {"Not available", "無法使用", "无法使用"},
	"method.body":  {"This address only opens in a browser.", "此地址只能在瀏覽器中打開。", "此地址只能在浏览器中打开。"},

	"paynow.title": {"Opening WeChat Pay…", "正在開啟微信支付…", "正在打开微信支付…"},
	"paynow.body": {"WeChat Pay opens by itself. If it does not, tap Pay.",
		"微信支付會自動開啟；如沒有，請按「付款」。", "微信支付会自动打开；如没有，请按“付款”。"},
	"paynow.nobridge": {"WeChat Pay is available only inside WeChat.", "微信支付只能在微信內使用。", "微信支付只能在微信内使用。"},

	"home.title": {"WeChat Pay", "微信支付", "微信支付"},
	"home.body":  {"Scan the code at the counter to pay.", "請掃描櫃檯的二維碼付款。", "请扫描柜台的二维码付款。"},

	"button.retry": {"Try again", "再試一次", "再试一次"},
	"button.check": {"Check my payment", "查看付款", "查看付款"},
	"button.pay":   {"Pay", "付款", "付款"},
	"button.start": {"Start again", "重新開始", "重新开始"},
	"label.ref":    {"Reference", "參考編號", "参考编号"},
	"sandbox":      {"SANDBOX · no real money moves", "測試環境 · 不涉及真實款項", "测试环境 · 不涉及真实款项"},
}

// t returns the text id in English and the Server's Chinese script.
func (s *Server) t(id string) text {
	m, ok := messages[id]
	if !ok {
		panic("jsapi: no text " + id)
	}
	if s.simplified {
		return text{m.en, m.hans}
	}
	return text{m.en, m.hant}
}
