package payment

// ParseNotification decodes an asynchronous notification body (§6)
// without checking its signature; use VerifyNotification for bodies from
// the network.
func ParseNotification(body []byte) (*Notification, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	return decodeNotification(o)
}

// VerifyNotification checks that sig, the X-QF-SIGN header of a
// notification, is the MD5 of the raw body and the client key (§6, V2),
// comparing in constant time, then decodes the body. A mismatch (or no
// signature) returns an error wrapping ErrBadSignature. Pass the body
// exactly as received: re-encoded JSON does not verify.
func (c *Client) VerifyNotification(body []byte, sig string) (*Notification, error) {
	if sig == "" || !VerifyBody(body, sig, c.key) {
		return nil, ErrBadSignature
	}
	return ParseNotification(body)
}
