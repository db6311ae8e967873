package chama

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Payer sends money out of a group to a member's M-Pesa (B2C). The M-Pesa package
// implements it; it is asked only after the payout's hold has committed, and must be
// idempotent on PayoutOrder.ID: the same order asked twice pays once. The answer comes
// back later through Service.PayoutPaid or Service.PayoutFailed.
type Payer interface {
	Pay(ctx context.Context, order PayoutOrder) error
}

// PayoutOrder is one B2C payment to make.
type PayoutOrder struct {
	ID      int64 // chama_payouts.id: the idempotency key
	Group   string
	Phone   string // E.164
	Amount  decimal.Decimal
	Purpose string // loan, rotation, withdrawal, welfare, shareout, exit, peer_loan
}

// Notifier tells a member something by SMS. The sms package renders Notice.Kind in the
// member's language from Vars; chama never writes message text itself.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// Notice is one message to one person.
type Notice struct {
	Phone string
	Lang  string // sw or en
	Kind  string // e.g. "invited", "contribution.received", "approval.needed"
	Vars  map[string]string
	// Once, when set, names what the notice is about for deduplication instead of its
	// Vars: it is sent once a day per phone and Once, whatever its figures say then.
	Once string
}

// SIMSwaps answers when a phone number's SIM card last changed (the zero time when never):
// an aggregator's SIM-swap lookup, or its sandbox. See simswap.go for what waits after one.
type SIMSwaps interface {
	LastSwap(ctx context.Context, rawPhone string) (time.Time, error)
}
