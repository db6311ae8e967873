package sms

import "strings"

// When a notice may go and to whom, by kind. Three sorts:
//   - receipts: money the member moved, was paid or was charged;
//   - answers: what the member asked for or is waiting on (replies to their SMS, their
//     statement, the outcome of their own request, their PIN's safety);
//   - everything else: requests to act (an approval, a guarantee, a peer offer, an
//     invitation), reminders and news about a loan.
//
// Receipts and answers reach a phone that sent STOP (the regulator's opt-out covers bulk
// and promotional messages, not a receipt for one's own money). Everything else does not.
// At night (21:00-07:00 Nairobi) only what the member is waiting for right now goes at
// once: the receipt of money they just moved and the answers; a fine charged by the
// night's sweep, or another official's request, waits for 07:00.

// receipts are the notices of money moving on the member's account.
var receipts = map[string]bool{
	"contribution.received": true, "cash.received": true, "cash.deposited": true, "loan.repaid": true,
	"payout.paid": true, "peer.repaid": true, "fine.charged": true, "guarantee.called": true,
}

// answers are the notices the member is waiting for, besides replies (reply.*).
var answers = map[string]bool{
	"statement.part": true, "cash.recorded": true, "cash.not_confirmed": true, "pin.locked": true, "pin.reset_allowed": true,
	"simswap.hold":      true, // an official must hear of it before voting, whatever the hour
	"approval.approved": true, "approval.rejected": true, "approval.failed": true, "approval.expired": true,
	"loan.closed": true, "loan.rejected": true, "loan.cancelled": true,
}

// chargedByTheSweep are receipts of what the nightly jobs did, not the member: at night
// they wait for the morning like any other news.
var chargedByTheSweep = map[string]bool{"fine.charged": true, "guarantee.called": true}

func isAnswer(kind string) bool { return answers[kind] || strings.HasPrefix(kind, "reply.") }

// atOnce reports whether kind goes even in quiet hours.
func atOnce(kind string) bool {
	return isAnswer(kind) || (receipts[kind] && !chargedByTheSweep[kind])
}

// evenIfOptedOut reports whether kind reaches a phone that sent STOP.
func evenIfOptedOut(kind string) bool { return isAnswer(kind) || receipts[kind] }
