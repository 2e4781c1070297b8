package checkout

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Recovery queries wait while the bucket is nearly empty; a sale's do not.
func TestBackgroundYieldsToSales(t *testing.T) {
	e := New(nil, nil, Settings{PollShare: 0.15}) // 60/min: one a second, burst 3
	ctx := context.Background()
	for range 2 {
		if err := e.throttle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// One request left in the bucket: recovery must not take it.
	bg, cancel := context.WithTimeout(background(ctx), 300*time.Millisecond)
	defer cancel()
	if err := e.throttle(bg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("background throttle = %v, want it to wait", err)
	}
	start := time.Now()
	if err := e.throttle(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("a sale waited %s behind recovery", d)
	}
}
