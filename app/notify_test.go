package app_test

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/qfpos/qfpos/app"
)

// TestNotifyListenerCutsOffATrickle: a client that sends its headers, or
// its body, a byte at a time cannot hold the notification listener; it is
// cut off within the read timeout.
func TestNotifyListenerCutsOffATrickle(t *testing.T) {
	const timeout = 300 * time.Millisecond
	defer app.ShortenNotifyTimeouts(timeout)()
	srv := app.NewNotifyServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		io.WriteString(w, "SUCCESS")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	for _, tc := range []struct{ name, head, trickle string }{
		{"body", "POST /qfpay/notify HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n", "{"},
		{"headers", "POST /qfpay/notify HTTP/1.1\r\n", "X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.head); err != nil {
				t.Fatal(err)
			}
			closed := make(chan struct{})
			go func() { io.Copy(io.Discard, conn); close(closed) }() // until the server hangs up
			start := time.Now()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			giveUp := time.After(20 * timeout)
			for {
				select {
				case <-closed:
					if held := time.Since(start); held > 10*timeout {
						t.Errorf("a trickling client held the listener for %v (timeout %v)", held, timeout)
					}
					return
				case <-giveUp:
					t.Fatalf("a trickling client still holds the listener after %v (timeout %v)", time.Since(start), timeout)
				case <-tick.C:
					io.WriteString(conn, tc.trickle) // errors once the server hung up
				}
			}
		})
	}
}
