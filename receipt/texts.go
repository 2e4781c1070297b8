package receipt

// texts are a receipt's words in one language.
type texts map[string]string

// translations holds the receipt's words per app language. They live here,
// not in the GUI's translations, so the command line prints the same
// receipts without the GUI.
var translations = map[string]texts{
	"en": {
		"wechat":          "WeChat Pay",
		"sale":            "SALE",
		"refund":          "REFUND",
		"amount":          "Amount",
		"item":            "Item",
		"date":            "Date",
		"syssn":           "Transaction no.",
		"order":           "Order no.",
		"refund_no":       "Refund no.",
		"refund_syssn":    "Refund transaction no.",
		"original":        "Original sale",
		"sandbox":         "SANDBOX — NOT A PAYMENT",
		"customer_copy":   "CUSTOMER COPY",
		"merchant_copy":   "MERCHANT COPY",
		"no_signature":    "No signature required",
		"thanks":          "Thank you",
		"scan":            "Scan into History's search box",
		"report":          "END OF DAY REPORT",
		"day":             "Day",
		"printed":         "Printed",
		"zone":            "Zone",
		"orders":          "Orders",
		"refunds":         "Refunds",
		"net":             "Net",
		"no_sales":        "No sales",
		"state.creating":  "Creating",
		"state.awaiting":  "Awaiting",
		"state.unknown":   "Unknown",
		"state.paid":      "Paid",
		"state.failed":    "Failed",
		"state.expired":   "Expired",
		"state.cancelled": "Cancelled",
		"refund_pending":  "Refund not settled yet",
		"test":            "PRINTER TEST",
	},
	"zh-Hant": {
		"wechat":          "微信支付",
		"sale":            "收款",
		"refund":          "退款",
		"amount":          "金額",
		"item":            "貨品",
		"date":            "日期",
		"syssn":           "交易編號",
		"order":           "訂單編號",
		"refund_no":       "退款編號",
		"refund_syssn":    "退款交易編號",
		"original":        "原交易",
		"sandbox":         "測試模式 — 並非付款",
		"customer_copy":   "顧客存根",
		"merchant_copy":   "商戶存根",
		"no_signature":    "免簽名",
		"thanks":          "多謝惠顧",
		"scan":            "在交易記錄掃描此碼查找訂單",
		"report":          "日結報表",
		"day":             "日期",
		"printed":         "列印時間",
		"zone":            "時區",
		"orders":          "筆數",
		"refunds":         "退款",
		"net":             "淨額",
		"no_sales":        "沒有交易",
		"state.creating":  "建立中",
		"state.awaiting":  "等待付款",
		"state.unknown":   "未確定",
		"state.paid":      "已付款",
		"state.failed":    "失敗",
		"state.expired":   "已過期",
		"state.cancelled": "已取消",
		"refund_pending":  "退款尚未完成",
		"test":            "打印機測試",
	},
	"zh-Hans": {
		"wechat":          "微信支付",
		"sale":            "收款",
		"refund":          "退款",
		"amount":          "金额",
		"item":            "商品",
		"date":            "日期",
		"syssn":           "交易单号",
		"order":           "订单号",
		"refund_no":       "退款单号",
		"refund_syssn":    "退款交易单号",
		"original":        "原交易",
		"sandbox":         "测试模式 — 并非付款",
		"customer_copy":   "顾客存根",
		"merchant_copy":   "商户存根",
		"no_signature":    "免签名",
		"thanks":          "谢谢惠顾",
		"scan":            "在交易记录扫描此码查找订单",
		"report":          "日结报表",
		"day":             "日期",
		"printed":         "打印时间",
		"zone":            "时区",
		"orders":          "笔数",
		"refunds":         "退款",
		"net":             "净额",
		"no_sales":        "没有交易",
		"state.creating":  "创建中",
		"state.awaiting":  "等待付款",
		"state.unknown":   "未确定",
		"state.paid":      "已付款",
		"state.failed":    "失败",
		"state.expired":   "已过期",
		"state.cancelled": "已取消",
		"refund_pending":  "退款尚未完成",
		"test":            "打印机测试",
	},
}

// textsFor gives the words of lang, English for any other.
func textsFor(lang string) texts {
	if t, ok := translations[lang]; ok {
		return t
	}
	return translations["en"]
}

// T gives the word for key, the English one when lang lacks it.
func (t texts) T(key string) string {
	if s, ok := t[key]; ok {
		return s
	}
	if s, ok := translations["en"][key]; ok {
		return s
	}
	return key
}
