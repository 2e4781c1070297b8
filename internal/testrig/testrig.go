// Package testrig is the one test rig of the packages above the payment
// client (checkout, jsapi, api, cli): the in-process QFPay sandbox, a
// client signed with its keys, a fresh order file and an engine on them,
// with a fast poll schedule of the real shape. Everything is closed when
// the test ends.
package testrig

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// FastPoll keeps tests quick; the schedule's shape is the real one.
var FastPoll = checkout.Poll{Fast: 15 * time.Millisecond, Slow: 30 * time.Millisecond, FastFor: time.Second, Jitter: 0.2, MaxBackoff: 100 * time.Millisecond}

// Options change the rig's parts from their defaults.
type Options struct {
	// Sandbox is the sandbox's configuration; Location defaults to UTC.
	Sandbox sandbox.Config
	// Client adds options to the client (after location UTC, a 2 s
	// timeout and one retry).
	Client []payment.Option
	// DirectURL points the client's WeChat JSAPI page at the sandbox's
	// /q/direct.
	DirectURL bool
	// Settings changes the engine's settings (HKD, 5-minute QRs, UTC,
	// FastPoll, the whole rate budget, a 200 ms grace, goods "tea").
	Settings func(*checkout.Settings)
}

// Rig is a sandbox, a client on it, an order file and an engine.
type Rig struct {
	Sandbox  *sandbox.Server
	Client   *payment.Client
	Store    *store.Store
	Engine   *checkout.Engine
	Settings checkout.Settings
	DB       string // the order file's path
}

// New starts a rig; t's cleanup closes it.
func New(t testing.TB, o Options) *Rig {
	t.Helper()
	if o.Sandbox.Location == nil {
		o.Sandbox.Location = time.UTC
	}
	srv := Sandbox(t, o.Sandbox)
	app, key := sandbox.DefaultAppCode, sandbox.DefaultClientKey
	if o.Sandbox.AppCode != "" {
		app, key = o.Sandbox.AppCode, o.Sandbox.ClientKey
	}
	opts := append([]payment.Option{payment.WithLocation(time.UTC), payment.WithTimeout(2 * time.Second), payment.WithRetries(1)}, o.Client...)
	if o.DirectURL {
		opts = append(opts, payment.WithDirectURL(srv.URL()+"/q/direct"))
	}
	client, err := payment.NewClient(srv.URL(), app, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "orders.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := checkout.Settings{
		Currency:  money.MustLookup("HKD"),
		Expiry:    5 * time.Minute,
		Location:  time.UTC,
		QFPayZone: time.UTC, // the client's and the sandbox's, as in the app (both QFPay's zone)
		PollShare: 1,
		Poll:      FastPoll,
		Grace:     200 * time.Millisecond,
		GoodsName: "tea",
	}
	if o.Settings != nil {
		o.Settings(&s)
	}
	return &Rig{Sandbox: srv, Client: client, Store: st, Engine: checkout.New(client, st, s), Settings: s, DB: db}
}

// Sandbox starts a sandbox alone on loopback, for tests that drive qfpos
// as another program would, through its base URL (cli); t's cleanup
// closes it. New starts its sandbox with it too.
func Sandbox(t testing.TB, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Env is the environment that points a qfpos at srv, signing with app and
// key, with its order file at db.
func Env(srv *sandbox.Server, app, key, db string) map[string]string {
	return map[string]string{
		"QFPAY_BASE_URL":   srv.URL(),
		"QFPAY_APP_CODE":   app,
		"QFPAY_CLIENT_KEY": key,
		"QFPOS_DB":         db,
	}
}
