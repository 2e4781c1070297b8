package app

import (
	"net/http"
	"time"
)

// notifyTimeouts bound how long one client of the notification listener
// can hold a connection: the listener may face the internet (behind the
// merchant's proxy), and QFPay's notification is one small POST answered
// at once. Tests shorten them.
var notifyTimeouts = struct{ ReadHeader, Read, Write, Idle time.Duration }{
	ReadHeader: 10 * time.Second,
	Read:       15 * time.Second, // headers and the whole body
	Write:      30 * time.Second, // the handler writes the order file (fsync) before it answers
	Idle:       2 * time.Minute,
}

// newNotifyServer is the HTTP server of the notification listener
// (notify_listen), with all four timeouts set so that a client trickling
// its headers or its body, or reading the answer slowly, is cut off.
// The handler limits the body's size (checkout's NotifyHandler).
func newNotifyServer(h http.Handler) *http.Server {
	t := notifyTimeouts
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
	}
}
