package payment

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// Region is one QFPay environment (qfpay-api.md §1).
type Region struct {
	Name      string // short name used in configuration, e.g. "hk", "hk-test"
	BaseURL   string // API base URL
	DirectURL string // WeChat JSAPI /q/direct page for this region, "" if QFPay documents none
	Live      bool   // whether money moves for real
}

// Regions are the QFPay environments qfpos knows by name.
var Regions = []Region{
	{"hk", "https://openapi-hk.qfapi.com", "https://o2-hk.qfapi.com/q/direct", true},
	{"hk-test", "https://test-openapi-hk.qfapi.com", "https://o2-hk.qfapi.com/q/direct", true},
	{"hk-sandbox", "https://openapi-int.qfapi.com", "", false},
	{"cn", "https://openapi.qfpay.com", "https://o2.qfpay.com/q/direct", true},
	{"cn-test", "https://openapi-test.qfpay.com", "https://o2.qfpay.com/q/direct", true},
	{"jp", "https://openapi-jp.qfapi.com", "", true},
	{"th", "https://openapi-th.qfapi.com", "", true},
	{"th-test", "https://test-openapi-th.qfapi.com", "", true},
	{"dubai", "https://openapi-db.qfapi.com", "", true},
	{"dubai-test", "https://test-openapi-db.qfapi.com", "", true},
	{"sg", "https://openapi-sg.qfapi.com", "", true},
	{"sg-test", "https://test-openapi-sg.qfapi.com", "", true},
	{"id", "https://openapi-id.qfapi.com", "", true},
	{"id-test", "https://test-openapi-id.qfapi.com", "", true},
	{"eur", "https://openapi-eur.qfapi.com", "", true},
	{"eur-test", "https://test-openapi-eur.qfapi.com", "", true},
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
