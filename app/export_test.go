package app

import (
	"net/http"
	"time"
)

// NewNotifyServer is the notification listener's server, for tests.
func NewNotifyServer(h http.Handler) *http.Server { return newNotifyServer(h) }

// ShortenNotifyTimeouts sets all four timeouts of the notification
// listener to d until restore is called.
func ShortenNotifyTimeouts(d time.Duration) (restore func()) {
	old := notifyTimeouts
	notifyTimeouts.ReadHeader, notifyTimeouts.Read, notifyTimeouts.Write, notifyTimeouts.Idle = d, d, d, d
	return func() { notifyTimeouts = old }
}
