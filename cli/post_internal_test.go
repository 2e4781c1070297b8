package cli

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/qfpos/qfpos/api"
)

// A POST to the running qfpos that is never answered is sent again under
// the same idempotency key, and if it is never answered at all the
// outcome is unknown (exit 3), never "not charged" (exit 1): the sale or
// refund may have started there.
func TestPostNeverAnsweredIsUnknown(t *testing.T) {
	var mu sync.Mutex
	keys := map[string]int{}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // the answer is lost
	}))
	defer web.Close()
	c := &api.Client{Base: web.URL, Token: "t", HTTP: web.Client()}
	err := post(context.Background(), c, "/v1/sales", api.SaleRequest{Amount: "1.00"}, &api.Sale{}, "sale")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitUnknown {
		t.Fatalf("err %v, want exit %d", err, ExitUnknown)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 1 {
		t.Errorf("keys sent: %v, want one key for every try", keys)
	}
	for k, n := range keys {
		if k == "" || n < 2 {
			t.Errorf("key %q sent %d times, want a retry under it", k, n)
		}
	}
}
