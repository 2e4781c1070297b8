package payment

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// SignType names the hash QFPay signs requests with (header X-QF-SIGNTYPE).
type SignType string

// The signature algorithms QFPay accepts. MD5 is QFPay's default and is
// sent without an X-QF-SIGNTYPE header.
const (
	SignMD5    SignType = "MD5"
	SignSHA256 SignType = "SHA256"
)

// ParseSignType accepts "MD5" or "SHA256" in any case; "" means MD5.
func ParseSignType(s string) (SignType, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "MD5":
		return SignMD5, nil
	case "SHA256", "SHA-256":
		return SignSHA256, nil
	}
	return "", fmt.Errorf("unknown sign type %q (want MD5 or SHA256)", s)
}

// SigningString is the text QFPay hashes for a request: the non-empty
// parameters sorted by name (byte order), joined as name=value with "&",
// with raw (not URL-encoded) values. The client key is not part of it.
func SigningString(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k, v := range params {
		if v == "" || k == "sign" {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	return b.String()
}

// Sign returns the upper-case hex signature of params with key, as sent in
// X-QF-SIGN (or the sign query parameter of the JSAPI OAuth URL).
func Sign(params map[string]string, key string, t SignType) string {
	return Digest(SigningString(params)+key, t)
}

// Digest is the upper-case hex MD5 or SHA256 of s.
func Digest(s string, t SignType) string {
	if t == SignSHA256 {
		sum := sha256.Sum256([]byte(s))
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// BodySignature is QFPay's signature of a raw response or notification body:
// upper-case hex MD5(body + key) (qfpay-api.md §3, §6, vector V2).
func BodySignature(body []byte, key string) string {
	return bodyDigest(body, key, SignMD5)
}

// VerifyBody reports whether sig (any case, surrounding spaces ignored)
// is the MD5 signature of the raw body with key, comparing in constant
// time.
func VerifyBody(body []byte, sig, key string) bool {
	return verifyBodyAs(body, sig, key, SignMD5)
}

// bodyDigest is Digest(body + key, t): BodySignature, or its SHA256
// counterpart.
func bodyDigest(body []byte, key string, t SignType) string {
	return Digest(string(body)+key, t)
}

// verifyBodyAs is VerifyBody for the algorithm t.
func verifyBodyAs(body []byte, sig, key string, t SignType) bool {
	return EqualSignatures(bodyDigest(body, key, t), strings.TrimSpace(sig))
}

// EqualSignatures compares two hex signatures case-insensitively in
// constant time.
func EqualSignatures(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToUpper(a)), []byte(strings.ToUpper(b))) == 1
}
