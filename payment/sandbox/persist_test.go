package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sandbox.json")
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	c, err := payment.NewClient(srv.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "KEEP1", Amount: 500, Currency: "HKD", Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Pay("KEEP1"); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}

	srv2, err := sandbox.Start("127.0.0.1:0", sandbox.Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	c2, _ := payment.NewClient(srv2.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey)
	q, err := c2.Query(ctx, payment.QueryRequest{OutTradeNo: []string{"KEEP1"}})
	if err != nil || len(q.Records) != 1 || q.Records[0].Status() != payment.StatusPaid || q.Records[0].SysSN != resp.SysSN {
		t.Fatalf("after restart: %+v, %v", q, err)
	}
	// A refund after the restart works and keeps syssn unique.
	ref, err := c2.Refund(ctx, payment.RefundRequest{SysSN: resp.SysSN, OutTradeNo: "KEEP1R", Amount: 500, Time: time.Now()})
	if err != nil || ref.SysSN == resp.SysSN {
		t.Fatalf("refund after restart: %+v, %v", ref, err)
	}
	// The number stays used.
	if _, err := c2.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "KEEP1", Amount: 500, Currency: "HKD", Time: time.Now()}); err == nil {
		t.Fatal("out_trade_no reusable after restart")
	}
	// A broken file is an error at Start, not a silent empty sandbox.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{"), 0o600)
	if _, err := sandbox.Start("127.0.0.1:0", sandbox.Config{StatePath: bad}); err == nil {
		t.Fatal("broken state file accepted")
	}
}
