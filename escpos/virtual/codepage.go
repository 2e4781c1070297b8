package virtual

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/qfpos/qfpos/escpos"
)

func codepageEncoding(cp escpos.Codepage) encoding.Encoding {
	if cp == escpos.CodepageGB18030 {
		return simplifiedchinese.GB18030
	}
	return traditionalchinese.Big5
}
