package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

func TestPaymentFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		status  int    // HTTP status; 0 = the connection must drop
		respcd  string // respcd of a JSON answer; "bad" = not JSON
		created bool   // the order exists afterwards
		qrcode  bool
		header  map[string]string
	}{
		{"latency", Fault{Kind: FaultLatency, Delay: 150 * time.Millisecond}, 200, "0000", true, true, nil},
		{"server error", Fault{Kind: FaultServerError}, 503, "", false, false, nil},
		{"server error 502 after creating", Fault{Kind: FaultServerError, Status: 502, Processed: true}, 502, "", true, false, nil},
		{"rate limit", Fault{Kind: FaultRateLimit, RetryAfter: 2500 * time.Millisecond}, 429, "", false, false, map[string]string{"Retry-After": "3"}},
		{"rate limit default", Fault{Kind: FaultRateLimit}, 429, "", false, false, map[string]string{"Retry-After": "1"}},
		{"malformed", Fault{Kind: FaultMalformed}, 200, "bad", false, false, nil},
		{"malformed after creating", Fault{Kind: FaultMalformed, Processed: true}, 200, "bad", true, false, nil},
		{"drop", Fault{Kind: FaultDrop}, 0, "", false, false, nil},
		{"created, then the connection drops", Fault{Kind: FaultDrop, Processed: true}, 0, "", true, false, nil},
		{"answered 1143 with qrcode", Fault{Kind: FaultPending}, 200, "1143", true, true, nil},
		{"answered 1145 without qrcode", Fault{Kind: FaultPending, RespCd: "1145", NoQRCode: true}, 200, "1145", true, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			e.s.SetFaults(Faults{Payment: []Fault{tt.fault}})
			start := time.Now()
			resp, body, err := e.raw(req{path: "/trade/v1/payment", body: e.payParams("F", 1000)})
			if tt.status == 0 {
				if err == nil {
					t.Fatalf("got HTTP %d %s, want the connection dropped", resp.StatusCode, body)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tt.status {
					t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				for k, v := range tt.header {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%s: %q, want %q", k, got, v)
					}
				}
				var m map[string]any
				jerr := json.Unmarshal(body, &m)
				switch tt.respcd {
				case "bad":
					if jerr == nil {
						t.Errorf("body %s is valid JSON", body)
					}
					// Processed: the signature of the full answer; else none.
					if sig := resp.Header.Get("X-QF-SIGN"); (sig != "") != tt.fault.Processed || payment.VerifyBody(body, sig, e.key) {
						t.Errorf("X-QF-SIGN %q on a malformed answer (processed %v)", sig, tt.fault.Processed)
					}
				case "":
					if jerr == nil && m["respcd"] != nil {
						t.Errorf("a %d answer carries respcd: %s", tt.status, body)
					}
				default:
					if jerr != nil {
						t.Fatalf("%v: %s", jerr, body)
					}
					if m["respcd"] != tt.respcd || (m["qrcode"] != nil) != tt.qrcode {
						t.Errorf("answer %v", m)
					}
					if !payment.VerifyBody(body, resp.Header.Get("X-QF-SIGN"), e.key) {
						t.Errorf("answer signature does not verify")
					}
				}
			}
			if tt.fault.Delay > 0 && time.Since(start) < tt.fault.Delay {
				t.Errorf("answered after %v, want ≥ %v", time.Since(start), tt.fault.Delay)
			}
			if _, ok := e.s.Order("F"); ok != tt.created {
				t.Errorf("order created = %v, want %v", ok, tt.created)
			}
			if tt.created {
				if r := e.record("F"); r["respcd"] != "1143" {
					t.Errorf("query after the fault: %v", r)
				}
				// A retry with the same number is refused: the client must query.
				wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("F", 1000)}), "1102")
			} else {
				wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("F", 1000)}), "0000")
			}
			if got := e.s.Faults(); got.Payment != nil {
				t.Errorf("fault not used up: %+v", got)
			}
		})
	}
}

func TestFaultQueue(t *testing.T) {
	e := newEnv(t, Config{})
	e.s.SetFaults(Faults{Query: []Fault{
		{Kind: FaultServerError, Times: 2},
		{Kind: FaultRateLimit},
	}})
	var got []int
	for range 4 {
		resp, _, err := e.raw(req{path: "/trade/v1/query", body: map[string]string{}})
		must(t, err)
		got = append(got, resp.StatusCode)
		if len(got) == 1 {
			if f := e.s.Faults().Query; len(f) != 2 || f[0].Times != 1 {
				t.Errorf("after one use: %+v", f)
			}
		}
	}
	if fmt.Sprint(got) != "[503 503 429 200]" {
		t.Errorf("statuses %v", got)
	}
	// Other endpoints are not affected by the query queue.
	e.s.SetFaults(Faults{Query: []Fault{{Kind: FaultDrop}}})
	e.create("Q", 1000)
	e.s.SetFaults(Faults{})
	if f := e.s.Faults(); f.Query != nil {
		t.Errorf("SetFaults(Faults{}) left %+v", f)
	}
}

func TestEndpointFaults(t *testing.T) {
	e := newEnv(t, Config{})
	e.create("PAID", 1000)
	must(t, e.s.Pay("PAID"))
	paidSN := str(e.record("PAID"), "syssn")
	e.create("OPEN", 1000)

	t.Run("close answered lost, but done", func(t *testing.T) {
		e.s.SetFaults(Faults{Close: []Fault{{Kind: FaultDrop, Processed: true}}})
		if _, _, err := e.raw(req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "OPEN", "txamt": "1000", "txdtm": e.txdtm()}}); err == nil {
			t.Fatal("close answered")
		}
		if r := e.record("OPEN"); r["cancel"] != "2" {
			t.Errorf("close not carried out: %v", r)
		}
		wantCode(t, e.cancel("/trade/v1/close", "OPEN", 1000), "0000") // retry is idempotent
	})
	t.Run("reversal 500 not done", func(t *testing.T) {
		e.create("OPEN2", 1000)
		e.s.SetFaults(Faults{Reversal: []Fault{{Kind: FaultServerError, Status: 500}}})
		resp, _, err := e.raw(req{path: "/trade/v1/reversal", body: map[string]string{"out_trade_no": "OPEN2", "txamt": "1000", "txdtm": e.txdtm()}})
		if err != nil || resp.StatusCode != 500 {
			t.Fatalf("%v %v", resp, err)
		}
		if r := e.record("OPEN2"); r["respcd"] != "1143" {
			t.Errorf("reversal carried out: %v", r)
		}
	})
	t.Run("refund done, answer lost", func(t *testing.T) {
		e.s.SetFaults(Faults{Refund: []Fault{{Kind: FaultDrop, Processed: true}}})
		if _, _, err := e.raw(req{path: "/trade/v1/refund", body: map[string]string{"syssn": paidSN, "out_trade_no": "PAID-R", "txamt": "400", "txdtm": e.txdtm()}}); err == nil {
			t.Fatal("refund answered")
		}
		if r := e.record("PAID-R"); r["order_type"] != "refund" || r["respcd"] != "0000" {
			t.Errorf("refund record %v", r)
		}
		wantCode(t, e.refund(paidSN, "PAID-R", 400), "1102")
	})
	t.Run("refund pending", func(t *testing.T) {
		e.s.SetFaults(Faults{Refund: []Fault{{Kind: FaultPending, RespCd: "1145"}}})
		wantCode(t, e.refund(paidSN, "PAID-R2", 100), "1145")
		if r := e.record("PAID"); r["cancel"] != "5" {
			t.Errorf("original %v", r)
		}
	})
	t.Run("query malformed", func(t *testing.T) {
		e.s.SetFaults(Faults{Query: []Fault{{Kind: FaultMalformed, Processed: true}}})
		resp, body, err := e.raw(req{path: "/trade/v1/query", body: map[string]string{"out_trade_no": "PAID"}})
		must(t, err)
		if json.Valid(body) || resp.StatusCode != 200 {
			t.Errorf("HTTP %d %s", resp.StatusCode, body)
		}
		if payment.VerifyBody(body, resp.Header.Get("X-QF-SIGN"), e.key) {
			t.Errorf("truncated body verifies")
		}
	})
	t.Run("latency then drop looks like a hang", func(t *testing.T) {
		e.s.SetFaults(Faults{Query: []Fault{{Kind: FaultDrop, Delay: 2 * time.Second}}})
		c := &http.Client{Timeout: 200 * time.Millisecond}
		start := time.Now()
		_, err := c.Do(e.build(req{path: "/trade/v1/query", body: map[string]string{}}))
		if err == nil || time.Since(start) > time.Second {
			t.Errorf("err %v after %v", err, time.Since(start))
		}
	})
}

func TestFaultsJSON(t *testing.T) {
	e := newEnv(t, Config{})
	post := func(body string) (int, string) {
		r, err := http.Post(e.url+"/sandbox/control/faults", "application/json", strings.NewReader(body))
		must(t, err)
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"valid", `{"payment":[{"kind":"drop","processed":true}],"query":[{"kind":"latency","delay":"1.5s","times":3},{"kind":"rate_limit","retry_after":5}]}`, 200},
		{"empty clears", `{}`, 200},
		{"unknown kind", `{"payment":[{"kind":"explode"}]}`, 400},
		{"no kind", `{"payment":[{}]}`, 400},
		{"unknown endpoint", `{"payments":[{"kind":"drop"}]}`, 400},
		{"misspelt field", `{"payment":[{"kind":"drop","proccessed":true}]}`, 400},
		{"bad duration", `{"query":[{"kind":"latency","delay":"soon"}]}`, 400},
		{"4xx status", `{"query":[{"kind":"server_error","status":404}]}`, 400},
		{"bad respcd", `{"payment":[{"kind":"pending","respcd":"pending"}]}`, 400},
		{"negative times", `{"payment":[{"kind":"drop","times":-1}]}`, 400},
		{"not JSON", `drop everything`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.s.SetFaults(Faults{})
			status, body := post(tt.body)
			if status != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", status, tt.status, body)
			}
			if status == 400 && !strings.Contains(body, `"error"`) {
				t.Errorf("no error in %s", body)
			}
		})
	}
	e.s.SetFaults(Faults{})
	post(tests[0].body)
	f := e.s.Faults()
	want := Faults{
		Payment: []Fault{{Kind: FaultDrop, Processed: true}},
		Query:   []Fault{{Kind: FaultLatency, Delay: 1500 * time.Millisecond, Times: 3}, {Kind: FaultRateLimit, RetryAfter: 5 * time.Second}},
	}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Errorf("faults %+v\nwant %+v", f, want)
	}
	// GET shows them with durations as strings.
	_, page := e.page("GET", e.url+"/sandbox/control/faults", nil)
	if !strings.Contains(page, `"delay":"1.5s"`) || !strings.Contains(page, `"retry_after":"5s"`) {
		t.Errorf("GET faults: %s", page)
	}
	// SetFaults refuses what the HTTP API refuses.
	defer func() {
		if recover() == nil {
			t.Errorf("SetFaults accepted an unknown kind")
		}
	}()
	e.s.SetFaults(Faults{Close: []Fault{{Kind: "explode"}}})
}
