package payment

// Status classifies the record for a point of sale (§4). A record whose
// respcd is empty is StatusPending whatever else it says: it decides
// nothing, and the caller queries again.
//
// Payment records (OrderType "payment", or none) are classified by cancel
// and respcd:
//
//   - cancel 2 (closed by close) is StatusClosed whatever the respcd;
//   - respcd 0000 is StatusPaid with cancel 0, StatusRefunded with cancel 3,
//     StatusPartlyRefund with cancel 5, StatusReversed with cancel 1 (any
//     other cancel value, such as 4 for a finished pre-authorisation,
//     leaves it StatusPaid);
//   - respcd 1143, 1145 and 1298 are StatusPending;
//   - respcd 1142 is StatusClosed, 1181 StatusExpired;
//   - anything else is StatusFailed.
//
// Refund records (OrderType "refund") are classified by respcd alone:
// 0000 is StatusRefunded (the refund went through), the pending codes
// StatusPending, anything else StatusFailed.
//
// Records of any other order_type (the legacy "close") are StatusPending:
// the meaning of their respcd is not documented, so they are never taken
// as paid or failed.
func (r Record) Status() Status {
	if r.RespCd == "" {
		return StatusPending
	}
	switch r.OrderType {
	case "", "payment":
	case "refund":
		switch r.RespCd {
		case RespOK:
			return StatusRefunded
		case RespNotPaid, RespProcessing, RespSlowNetwork:
			return StatusPending
		}
		return StatusFailed
	default:
		return StatusPending
	}
	if r.Cancel == 2 {
		return StatusClosed
	}
	switch r.RespCd {
	case RespOK:
		switch r.Cancel {
		case 1:
			return StatusReversed
		case 3:
			return StatusRefunded
		case 5:
			return StatusPartlyRefund
		}
		return StatusPaid
	case RespNotPaid, RespProcessing, RespSlowNetwork:
		return StatusPending
	case RespOrderClosed:
		return StatusClosed
	case RespOrderExpired:
		return StatusExpired
	}
	return StatusFailed
}
