package sim

import (
	"time"

	"github.com/shopspring/decimal"
)

// kind is what sort of transaction a receipt belongs to.
type kind int

const (
	kindSTK kind = iota
	kindC2B
	kindB2C
	kindReversal
)

// record is a completed transaction as Transaction Status and Reversal see it.
type record struct {
	receipt        string
	kind           kind
	msisdn         string
	amount         decimal.Decimal
	originatorID   string // B2C only: the client's OriginatorConversationID
	conversationID string // B2C only
	initiated      time.Time
	finalised      time.Time
	reversed       bool
}

// settleLocked is the one place money moves: it adjusts the customer's wallet and the
// organisation's account, records the receipt for later queries, and writes the
// statement row. Callers hold mu and have checked every precondition.
func (s *Sim) settleLocked(r *record, cust *customer, details string) {
	var paidIn, withdrawn decimal.Decimal
	switch r.kind {
	case kindSTK, kindC2B:
		cust.balance = cust.balance.Sub(r.amount)
		s.org.working = s.org.working.Add(r.amount)
		paidIn = r.amount
	case kindB2C:
		s.org.utility = s.org.utility.Sub(r.amount)
		cust.balance = cust.balance.Add(r.amount)
		withdrawn = r.amount
	case kindReversal:
		s.org.working = s.org.working.Sub(r.amount)
		cust.balance = cust.balance.Add(r.amount)
		withdrawn = r.amount
	}
	s.records[r.receipt] = r
	s.statement = append(s.statement, statementRow{
		receipt:   r.receipt,
		completed: r.finalised,
		details:   details,
		paidIn:    paidIn,
		withdrawn: withdrawn,
		balance:   s.org.total(),
	})
}
