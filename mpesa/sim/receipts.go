package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

const receiptAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// receiptPrefix encodes the date the way M-Pesa receipts do: a year letter (A = 2006, so
// N = 2019 and S = 2024), a month letter (A = January) and a day character (1-9, then
// A = 10 … V = 31). "NLJ7RT61SV" was issued on 19 December 2019.
func receiptPrefix(t time.Time) string {
	const days = "123456789ABCDEFGHIJKLMNOPQRSTUV"
	year := byte('A' + (t.Year()-2006)%26)
	if t.Year() < 2006 {
		year = 'A'
	}
	return string([]byte{year, byte('A' + int(t.Month()) - 1), days[t.Day()-1]})
}

// newReceiptLocked draws a unique receipt from the receipt stream. Callers hold mu and
// draw when a request is accepted, so receipts follow the order of the script's calls
// rather than the order in which timers happen to fire.
func (s *Sim) newReceiptLocked(t time.Time) string {
	return s.uniqueReceiptLocked(s.receiptRn, t)
}

// newTransactionIDLocked is a receipt-shaped id for results that move no money (status
// queries, balance queries); it comes from the id stream so receipts are undisturbed.
func (s *Sim) newTransactionIDLocked(t time.Time) string {
	return s.uniqueReceiptLocked(s.idRn, t)
}

func (s *Sim) uniqueReceiptLocked(r *rand.Rand, t time.Time) string {
	prefix := receiptPrefix(t)
	for {
		var b strings.Builder
		b.WriteString(prefix)
		for range 7 {
			b.WriteByte(receiptAlphabet[r.IntN(len(receiptAlphabet))])
		}
		if id := b.String(); !s.used[id] {
			s.used[id] = true
			return id
		}
	}
}

// newCheckoutIDLocked is shaped like "ws_CO_1007202409152617172396192": the request time
// (DDMMYYYYHHmmss) and eleven digits.
func (s *Sim) newCheckoutIDLocked(t time.Time) string {
	for {
		id := fmt.Sprintf("ws_CO_%s%011d", t.Format("02012006150405"), s.idRn.Int64N(1e11))
		if _, taken := s.pushes[id]; !taken {
			return id
		}
	}
}

// newRequestIDLocked is shaped like Daraja's MerchantRequestID and generated
// OriginatorConversationIDs ("29115-34620561-1").
func (s *Sim) newRequestIDLocked() string {
	return fmt.Sprintf("%d-%d-1", 10000+s.idRn.IntN(90000), 10000000+s.idRn.IntN(90000000))
}

// newConversationIDLocked is shaped like "AG_20240706_2010364430d9bbdaf872".
func (s *Sim) newConversationIDLocked(t time.Time) string {
	for {
		id := fmt.Sprintf("AG_%s_%04x%016x", t.Format("20060102"), s.idRn.IntN(1<<16), s.idRn.Uint64())
		if _, taken := s.convs[id]; !taken {
			return id
		}
	}
}
