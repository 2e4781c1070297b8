package jsapi

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The pages' rate limit, per client: far above what one phone asks (a page
// and a status poll a second), so a flood from one address slows that
// address alone and not the other customers.
const (
	clientRate   = 10 // pages a second
	clientBurst  = 30
	maxClients   = 10000 // addresses remembered; the oldest go first
	clientForget = 10 * time.Minute
)

// clients holds one token bucket per client address, bounded.
type clients struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*client
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// allow takes one page from the bucket of r's client.
func (c *clients) allow(r *http.Request) bool {
	key, now := clientAddr(r), c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*client{}
	}
	k := c.m[key]
	if k == nil {
		if len(c.m) >= maxClients {
			c.prune(now)
		}
		k = &client{lim: rate.NewLimiter(clientRate, clientBurst)}
		c.m[key] = k
	}
	k.seen = now
	return k.lim.AllowN(now, 1)
}

// prune forgets clients not seen for clientForget, or, if that frees
// nothing, the one seen longest ago.
func (c *clients) prune(now time.Time) {
	var oldest string
	for key, k := range c.m {
		if now.Sub(k.seen) > clientForget {
			delete(c.m, key)
		} else if oldest == "" || k.seen.Before(c.m[oldest].seen) {
			oldest = key
		}
	}
	if len(c.m) >= maxClients && oldest != "" {
		delete(c.m, oldest)
	}
}

// clientAddr is the address of the phone: the connection's, or, when the
// connection comes from this machine (the merchant's HTTPS proxy in front
// of the pages), the last address that proxy appended to
// X-Forwarded-For — the one part of that header a phone cannot forge.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); last != "" {
				return last
			}
		}
	}
	return host
}
