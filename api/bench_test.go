package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
)

// BenchmarkPostToQR is the API's overhead on a sale: from POST /v1/sales
// to the qr event on its stream (HTTP on loopback), against the
// in-process sandbox, measured in the same run beside the same sale
// started on the engine directly (Start to the first event with the QR).
// It reports the median and the max of each, in ms, and the median
// overhead.
//
//	go test -run '^$' -bench PostToQR -benchtime 50x ./api/
func BenchmarkPostToQR(b *testing.B) {
	h := newHarness(b)
	ctx := context.Background()
	var viaAPI, direct []float64
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for b.Loop() {
		t0 := time.Now()
		s, err := h.sale("1.00", "")
		if err != nil {
			b.Fatal(err)
		}
		next(b, h.stream(s.ID, ""), "qr")
		viaAPI = append(viaAPI, ms(time.Since(t0)))
		if err := h.c.JSON(ctx, "POST", "/v1/sales/"+s.ID+"/cancel", nil, nil, nil); err != nil {
			b.Fatal(err)
		}

		t0 = time.Now()
		sale, err := h.rig.Engine.Start(ctx, checkout.Request{Amount: 100})
		if err != nil {
			b.Fatal(err)
		}
		for ev := range sale.Events() {
			if ev.QRCode != "" {
				break
			}
		}
		direct = append(direct, ms(time.Since(t0)))
		sale.Cancel()
		sale.Wait()
	}
	med := func(v []float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		return s[len(s)/2]
	}
	b.ReportMetric(med(viaAPI), "ms/post-to-qr-median")
	b.ReportMetric(slices.Max(viaAPI), "ms/post-to-qr-max")
	b.ReportMetric(med(direct), "ms/start-to-qr-median")
	b.ReportMetric(slices.Max(direct), "ms/start-to-qr-max")
	b.ReportMetric(med(viaAPI)-med(direct), "ms/api-overhead-median")
	b.ReportMetric(0, "ns/op")
}
