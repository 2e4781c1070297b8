package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// savedOrder is an order as Config.StatePath keeps it.
type savedOrder struct {
	Seq        int64             `json:"seq"`
	SysSN      string            `json:"syssn"`
	OutTradeNo string            `json:"out_trade_no"`
	OrderType  string            `json:"order_type"`
	PayType    string            `json:"pay_type"`
	Amount     int64             `json:"txamt"`
	Currency   string            `json:"txcurrcd"`
	TxDtm      string            `json:"txdtm"`
	UDID       string            `json:"udid,omitempty"`
	GoodsName  string            `json:"goods_name,omitempty"`
	Created    time.Time         `json:"created"`
	Expires    time.Time         `json:"expires,omitzero"`
	State      State             `json:"state"`
	PayAt      time.Time         `json:"pay_at,omitzero"`
	PaidAt     time.Time         `json:"paid_at,omitzero"`
	Cancelled  bool              `json:"cancelled,omitempty"`
	CancelSN   string            `json:"cancel_sn,omitempty"`
	Refunded   int64             `json:"refunded,omitempty"`
	OrigSysSN  string            `json:"origssn,omitempty"`
	PayParams  map[string]string `json:"pay_params,omitempty"`
	PayKey     string            `json:"pay_key,omitempty"`
}

type savedState struct {
	Seq    int64        `json:"seq"`
	SNBase int64        `json:"sn_base"`
	Orders []savedOrder `json:"orders"`
}

// savedOrderOf is the saved form of an order.
func savedOrderOf(o *order) savedOrder {
	return savedOrder{
		Seq: o.seq, SysSN: o.syssn, OutTradeNo: o.outTradeNo, OrderType: o.orderType, PayType: o.payType,
		Amount: o.amount, Currency: o.currency, TxDtm: o.txdtm, UDID: o.udid, GoodsName: o.goodsName,
		Created: o.created, Expires: o.expires, State: o.state, PayAt: o.payAt, PaidAt: o.paidAt,
		Cancelled: o.cancelled, CancelSN: o.cancelSN, Refunded: o.refunded, OrigSysSN: o.origSysSN, PayParams: o.payParams, PayKey: o.payKey,
	}
}

// order is the order a saved one describes.
func (v savedOrder) order() *order {
	return &order{
		seq: v.Seq, syssn: v.SysSN, outTradeNo: v.OutTradeNo, orderType: v.OrderType, payType: v.PayType,
		amount: v.Amount, currency: v.Currency, txdtm: v.TxDtm, udid: v.UDID, goodsName: v.GoodsName,
		created: v.Created, expires: v.Expires, state: v.State, payAt: v.PayAt, paidAt: v.PaidAt,
		cancelled: v.Cancelled, cancelSN: v.CancelSN, refunded: v.Refunded, origSysSN: v.OrigSysSN, payParams: v.PayParams, payKey: v.PayKey,
	}
}

// load reads Config.StatePath, if it exists, into an empty server.
func (s *Server) load() error {
	if s.cfg.StatePath == "" {
		return nil
	}
	b, err := os.ReadFile(s.cfg.StatePath)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var st savedState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("sandbox state %s: %w", s.cfg.StatePath, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq, s.snBase = st.Seq, st.SNBase
	for _, v := range st.Orders {
		s.index(v.order())
	}
	s.saved, s.dirty = b, false
	return nil
}

// persist writes the orders to Config.StatePath if they changed since
// they were last saved or loaded, atomically (temporary file, fsync,
// rename), mode 0600. While nothing changed it returns at once.
func (s *Server) persist() {
	if s.cfg.StatePath == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return
	}
	st := savedState{Seq: s.seq, SNBase: s.snBase, Orders: make([]savedOrder, 0, len(s.list))}
	for _, o := range s.list {
		st.Orders = append(st.Orders, savedOrderOf(o))
	}
	b, err := s.marshal(st)
	if err != nil {
		s.log.Error("cannot encode sandbox state", "err", err)
		return
	}
	if !bytes.Equal(b, s.saved) {
		if err := writeFileAtomic(s.cfg.StatePath, b); err != nil {
			s.log.Error("cannot save sandbox state", "path", s.cfg.StatePath, "err", err)
			return // still dirty: tried again after the next request
		}
		s.saved = b
	}
	s.dirty = false
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".sandbox-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
