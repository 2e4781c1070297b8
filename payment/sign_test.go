package payment

import (
	"strings"
	"testing"
)

// The known-answer vectors of qfpay-api.md §2.4.
const (
	v1String = "address=TST&bankaccount=168477081838&bankaddr=TST&bankcity=Hong Kong&bankcode=123&bankcountry=Hong Kong&bankname=HSBC&bankswiftcode=HSBCHKHHHKH&bankuser=Peter&channel_type=&city=Hong Kong&country=Hong Kong&email=peter@test.com&idnumber=172845391795&legalperson=Peter&licenseactive_date=20160810&licensenumber=123456&mcc_id=21002&mobile=123456&name=Peter &shopname=PeterShopR&username=peter@test.com001c49ce1d444994b419934286eb07b40f2"
	v1MD5    = "3a7a3bba647fb6fbc28f6687d78212e2"

	v2Body = `{"pay_type": "800108", "sysdtm": "2018-01-12 19:31:16", "cardcd": "2088802362210279", "txdtm": "2018-01-12 19:31:22", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "CNY", "txamt": "1", "respmsg": "", "out_trade_no": "130145934788787530052", "syssn": "20180112000100020001662134", "respcd": "0000"}`
	v2Key  = "615ED178BA524459976CE40FAB78000F"
	v2Sign = "1E2CE7C2A7F8F581C354A857182B7A31"

	v3Key    = "abcd1234"
	v3String = "mchid=ZaMVg12345&txamt=100&txcurrcd=HKD"
	v3MD5    = "3CB3AA9C21D818AB4CAFAA8FA3FEACF4"
	v4SHA256 = "99D9F7174823928B74C74B1C7A7E1538DF733774DD21C9606A202CB8BB3D74E8"

	v5String = "goods_name=咖啡&out_trade_no=POS20240101120000001&pay_type=800201&txamt=1000&txcurrcd=HKD&txdtm=2024-01-01 12:00:00"
	v5Key    = "0123456789ABCDEF0123456789ABCDEF"
	v5MD5    = "3536F96D9AC668AE30881E916F8A7833"
)

func v3Params() map[string]string {
	return map[string]string{"txcurrcd": "HKD", "mchid": "ZaMVg12345", "txamt": "100"}
}

func v5Params() map[string]string {
	return map[string]string{
		"txdtm": "2024-01-01 12:00:00", "txcurrcd": "HKD", "txamt": "1000",
		"pay_type": "800201", "out_trade_no": "POS20240101120000001", "goods_name": "咖啡",
	}
}

func TestDigestVectors(t *testing.T) {
	tests := []struct {
		name, in string
		typ      SignType
		want     string
	}{
		{"V1", v1String, SignMD5, strings.ToUpper(v1MD5)},
		{"V2", v2Body + v2Key, SignMD5, v2Sign},
		{"V3", v3String + v3Key, SignMD5, v3MD5},
		{"V4", v3String + v3Key, SignSHA256, v4SHA256},
		{"V5", v5String + v5Key, SignMD5, v5MD5},
	}
	for _, tt := range tests {
		if got := Digest(tt.in, tt.typ); got != tt.want {
			t.Errorf("%s: Digest = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		key    string
		typ    SignType
		str    string
		want   string
	}{
		{"V3", v3Params(), v3Key, SignMD5, v3String, v3MD5},
		{"V4", v3Params(), v3Key, SignSHA256, v3String, v4SHA256},
		{"V5", v5Params(), v5Key, SignMD5, v5String, v5MD5},
	}
	for _, tt := range tests {
		if got := SigningString(tt.params); got != tt.str {
			t.Errorf("%s: SigningString = %q, want %q", tt.name, got, tt.str)
		}
		if got := Sign(tt.params, tt.key, tt.typ); got != tt.want {
			t.Errorf("%s: Sign = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestSigningStringV1 rebuilds V1's parameters: the empty channel_type it
// signs is left out by SigningString (current rule, §2.3), while the
// trailing space of "Peter " is kept.
func TestSigningStringV1(t *testing.T) {
	p := map[string]string{
		"address": "TST", "bankaccount": "168477081838", "bankaddr": "TST", "bankcity": "Hong Kong",
		"bankcode": "123", "bankcountry": "Hong Kong", "bankname": "HSBC", "bankswiftcode": "HSBCHKHHHKH",
		"bankuser": "Peter", "channel_type": "", "city": "Hong Kong", "country": "Hong Kong",
		"email": "peter@test.com", "idnumber": "172845391795", "legalperson": "Peter",
		"licenseactive_date": "20160810", "licensenumber": "123456", "mcc_id": "21002", "mobile": "123456",
		"name": "Peter ", "shopname": "PeterShopR", "username": "peter@test.com001",
		"sign": "ignored",
	}
	const key = "c49ce1d444994b419934286eb07b40f2"
	full := v1String[:len(v1String)-len(key)]
	want := strings.Replace(full, "channel_type=&", "", 1)
	got := SigningString(p)
	if got != want {
		t.Fatalf("SigningString =\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(got, "channel_type") || strings.Contains(got, "sign=") {
		t.Errorf("empty or sign parameter in %q", got)
	}
	if !strings.Contains(got, "&name=Peter &") {
		t.Errorf("trailing space lost: %q", got)
	}
	// With the empty value written out, the documented signature results.
	if d := Digest(full+key, SignMD5); !EqualSignatures(d, v1MD5) {
		t.Errorf("Digest(V1 with channel_type=) = %s, want %s", d, v1MD5)
	}
	if s := Sign(p, key, SignMD5); EqualSignatures(s, v1MD5) {
		t.Error("Sign signed the empty channel_type")
	}
}

func TestVerifyBodyV2(t *testing.T) {
	if len(v2Body) != 302 {
		t.Fatalf("V2 body is %d bytes, want 302", len(v2Body))
	}
	if got := BodySignature([]byte(v2Body), v2Key); got != v2Sign {
		t.Errorf("BodySignature = %s, want %s", got, v2Sign)
	}
	for _, sig := range []string{v2Sign, strings.ToLower(v2Sign), " " + v2Sign + "\n"} {
		if !VerifyBody([]byte(v2Body), sig, v2Key) {
			t.Errorf("VerifyBody(%q) = false", sig)
		}
	}
	tampered := strings.Replace(v2Body, `"txamt": "1"`, `"txamt": "9"`, 1)
	bad := []struct {
		name, body, sig, key string
	}{
		{"tampered body", tampered, v2Sign, v2Key},
		{"wrong key", v2Body, v2Sign, v3Key},
		{"empty signature", v2Body, "", v2Key},
		{"truncated signature", v2Body, v2Sign[:31], v2Key},
		{"re-encoded body", strings.ReplaceAll(v2Body, ", ", ","), v2Sign, v2Key},
	}
	for _, tt := range bad {
		if VerifyBody([]byte(tt.body), tt.sig, tt.key) {
			t.Errorf("%s: VerifyBody = true", tt.name)
		}
	}
}

func TestParseSignType(t *testing.T) {
	for in, want := range map[string]SignType{"": SignMD5, "md5": SignMD5, " SHA256 ": SignSHA256, "sha-256": SignSHA256} {
		if got, err := ParseSignType(in); err != nil || got != want {
			t.Errorf("ParseSignType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSignType("sha1"); err == nil {
		t.Error("ParseSignType(sha1) succeeded")
	}
}
