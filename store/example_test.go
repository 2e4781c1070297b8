package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qfpos/qfpos/store"
)

// The life of one sale as the store sees it: saved before QFPay is called,
// then updated as answers come in.
func Example() {
	dir, _ := os.MkdirTemp("", "qfpos-example")
	defer os.RemoveAll(dir)

	s, err := store.Open(filepath.Join(dir, "orders.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	o := &store.Order{
		OutTradeNo: store.NewOutTradeNo("QFPOS"),
		PayType:    "800201",
		Amount:     1250, // HK$12.50
		Currency:   "HKD",
		GoodsName:  "Coffee",
	}
	if err := s.Create(o); err != nil {
		fmt.Println(err)
		return
	}
	// The order is on disk: only now may the payment request go to QFPay.
	open, _ := s.NotFinal()
	fmt.Println(o.State, len(open))

	o, err = s.Update(o.OutTradeNo, func(o *store.Order) error {
		o.PaidAt = time.Now()
		o.SetState(store.StatePaid, o.PaidAt, "query respcd=0000", "0000")
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	open, _ = s.NotFinal()
	fmt.Println(o.State, len(open), len(o.History))
	// Output:
	// creating 1
	// paid 0 2
}
