package payment

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultZone is the zone QFPay's systems keep time in: UTC+8, the time of
// Hong Kong and mainland China, which have had no daylight saving since
// 1979 and 1991. txdtm is sent in it, sysdtm and paydtm come back in it,
// and start_time/end_time of a query filter sysdtm in it. QFPay's docs
// name no zone for these fields; the removed txzone parameter was
// "default Beijing +0800" (qfpay-api.md §2.2), and HK/CN systems run on
// it. For other regions nothing is documented, so they get the same
// default until QFPay says otherwise: set qfpay_timezone to override it.
var DefaultZone = time.FixedZone("UTC+8", 8*60*60)

// Region is one QFPay environment (qfpay-api.md §1).
type Region struct {
	Name      string // short name used in configuration, e.g. "hk", "hk-test"
	BaseURL   string // API base URL
	DirectURL string // WeChat JSAPI /q/direct page for this region, "" if QFPay documents none
	Live      bool   // whether money moves for real
	// Zone is the zone the region's QFPay keeps txdtm, sysdtm and query
	// times in; nil means DefaultZone.
	Zone *time.Location
}

// Regions are the QFPay environments qfpos knows by name.
var Regions = []Region{
	{"hk", "https://openapi-hk.qfapi.com", "https://o2-hk.qfapi.com/q/direct", true, DefaultZone},
	{"hk-test", "https://test-openapi-hk.qfapi.com", "https://o2-hk.qfapi.com/q/direct", true, DefaultZone},
	{"hk-sandbox", "https://openapi-int.qfapi.com", "", false, DefaultZone},
	{"cn", "https://openapi.qfpay.com", "https://o2.qfpay.com/q/direct", true, DefaultZone},
	{"cn-test", "https://openapi-test.qfpay.com", "https://o2.qfpay.com/q/direct", true, DefaultZone},
	{"jp", "https://openapi-jp.qfapi.com", "", true, nil},
	{"th", "https://openapi-th.qfapi.com", "", true, nil},
	{"th-test", "https://test-openapi-th.qfapi.com", "", true, nil},
	{"dubai", "https://openapi-db.qfapi.com", "", true, nil},
	{"dubai-test", "https://test-openapi-db.qfapi.com", "", true, nil},
	{"sg", "https://openapi-sg.qfapi.com", "", true, nil},
	{"sg-test", "https://test-openapi-sg.qfapi.com", "", true, nil},
	{"id", "https://openapi-id.qfapi.com", "", true, nil},
	{"id-test", "https://test-openapi-id.qfapi.com", "", true, nil},
	{"eur", "https://openapi-eur.qfapi.com", "", true, nil},
	{"eur-test", "https://test-openapi-eur.qfapi.com", "", true, nil},
}

// ZoneOf is the zone QFPay keeps time in at baseURL (a region name or a
// URL): its region's Zone, else DefaultZone.
func ZoneOf(baseURL string) *time.Location {
	if r, ok := LookupRegion(baseURL); ok && r.Zone != nil {
		return r.Zone
	}
	return DefaultZone
}

// ParseZone reads a zone: an IANA name ("Asia/Hong_Kong"), "UTC", or a
// fixed offset from UTC written "UTC+8", "UTC+08:00" or "UTC-5:30".
func ParseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(strings.ToUpper(s), "UTC"); ok && rest != "" {
		sign := 1
		switch rest[0] {
		case '+':
		case '-':
			sign = -1
		default:
			return nil, fmt.Errorf("%q is not a time zone", s)
		}
		hs, ms, _ := strings.Cut(rest[1:], ":")
		h, err1 := strconv.Atoi(hs)
		m := 0
		var err2 error
		if ms != "" {
			m, err2 = strconv.Atoi(ms)
		}
		if err1 != nil || err2 != nil || h < 0 || h > 14 || m < 0 || m > 59 || len(hs) > 2 {
			return nil, fmt.Errorf("%q is not a time zone", s)
		}
		name := "UTC" + rest[:1] + strconv.Itoa(h)
		if m != 0 {
			name += fmt.Sprintf(":%02d", m)
		}
		return time.FixedZone(name, sign*(h*3600+m*60)), nil
	}
	if s == "" || strings.EqualFold(s, "Local") {
		return nil, fmt.Errorf("%q is not a time zone: name one, the machine's may change", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone", s)
	}
	return loc, nil
}

// RegionNames lists the names ResolveBaseURL accepts, sorted.
func RegionNames() []string {
	names := make([]string, len(Regions))
	for i, r := range Regions {
		names[i] = r.Name
	}
	sort.Strings(names)
	return names
}

// LookupRegion finds a region by name (case-insensitive) or by base URL.
func LookupRegion(s string) (Region, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	for _, r := range Regions {
		if strings.EqualFold(r.Name, s) || strings.EqualFold(r.BaseURL, s) {
			return r, true
		}
	}
	return Region{}, false
}

// ResolveBaseURL turns a region name or a URL into an API base URL. A URL
// must be https, or plain http on a loopback address (a local sandbox).
func ResolveBaseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("no QFPay base URL given")
	}
	if r, ok := LookupRegion(s); ok {
		return r.BaseURL, nil
	}
	if !strings.Contains(s, "://") {
		return "", fmt.Errorf("%q is neither a URL nor a region (regions: %s)", s, strings.Join(RegionNames(), ", "))
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a valid URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: a base URL takes no user, query or fragment", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("%q: plain http is allowed only for loopback addresses", s)
		}
	default:
		return "", fmt.Errorf("%q: scheme must be https", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// IsLoopbackHost reports whether host (no port) is localhost or a loopback IP.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
