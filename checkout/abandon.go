package checkout

import "github.com/qfpos/qfpos/store"

// Abandon records the sale's order, and any WeChat JSAPI attempt of it,
// unknown unless it is final already, and returns the orders' states as
// stored (out_trade_no → state). It is for a process that must end before
// the sale has settled: qfpos's GUI when shutdown outlasts its budget. The
// sale keeps running until the process ends (a result it reaches meanwhile
// still replaces unknown); otherwise Recover or `qfpos reconcile` queries
// the order at the next start. Nothing is sent to QFPay.
func (s *Sale) Abandon(cause string) (map[string]store.State, error) {
	parent := s.order()
	nos := append([]string{parent.OutTradeNo}, s.e.jsapi.list(parent.OutTradeNo)...)
	states := make(map[string]store.State, len(nos))
	var first error
	for _, no := range nos {
		cur, err := s.e.st.Get(no)
		if err == nil && !cur.State.Final() {
			cur, err = s.e.settleUnknown(cur, cause)
		}
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		states[no] = cur.State
	}
	return states, first
}
