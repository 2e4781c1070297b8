package checkout_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// TestNotifyHandlerRefusesALargeBody: a body over 64 KiB is refused with
// 413, not cut short and checked.
func TestNotifyHandlerRefusesALargeBody(t *testing.T) {
	r := newRig(t, nil)
	srv := httptest.NewServer(r.eng.NotifyHandler(r.client.VerifyNotification))
	defer srv.Close()
	body := []byte(`{"notify_type": "payment", "pad": "` + strings.Repeat("x", 1<<16) + `"}`)
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
	req.Header.Set("X-QF-SIGN", payment.BodySignature(body, sandbox.DefaultClientKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte notification: HTTP %d, want 413", len(body), resp.StatusCode)
	}
}
