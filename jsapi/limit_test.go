package jsapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// One client past its burst is refused; another is not. Behind the local
// proxy the client is the address the proxy appended last, whatever a
// phone wrote into X-Forwarded-For itself. The table stays bounded.
func TestClientLimits(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &clients{now: func() time.Time { return now }}
	req := func(remote string, xff ...string) bool {
		r := httptest.NewRequest("GET", "/jsapi/X", nil)
		r.RemoteAddr = remote
		for _, v := range xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		return c.allow(r)
	}
	for i := range clientBurst {
		if !req("203.0.113.9:4000") {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	if req("203.0.113.9:4001") {
		t.Error("a client past its burst was let through")
	}
	if !req("198.51.100.7:4000") {
		t.Error("another client was refused")
	}
	// Behind the proxy: a forged first entry does not make a new client.
	for range clientBurst {
		req("127.0.0.1:5000", "1.2.3.4, 198.51.100.20")
	}
	if req("127.0.0.1:5000", "9.9.9.9, 198.51.100.20") {
		t.Error("a forged X-Forwarded-For entry gave a fresh bucket")
	}
	if !req("127.0.0.1:5000", "198.51.100.21") {
		t.Error("another phone behind the proxy was refused")
	}
	for i := range maxClients + 50 {
		req("127.0.0.1:1", fmt.Sprintf("192.0.%d.%d", i/256, i%256))
	}
	if n := len(c.m); n > maxClients {
		t.Errorf("%d clients remembered, want at most %d", n, maxClients)
	}
}
