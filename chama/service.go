package chama

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/ledger"
)

// Service runs every group: one per process, safe for concurrent use.
type Service struct {
	db       *gorm.DB
	ledger   *ledger.Ledger
	now      func() time.Time
	payer    Payer
	notifier Notifier
	log      *slog.Logger
}

// Options are what a Service is built from. Payer and Notifier may be nil: payouts then
// wait as pending and notices are dropped (a Service in a test that does not need them).
type Options struct {
	DB       *gorm.DB
	Payer    Payer
	Notifier Notifier
	Logger   *slog.Logger
	// Now is the clock; tests move it through a year. Nil means time.Now.
	Now func() time.Time
}

// New returns a Service over opts.DB.
func New(opts Options) *Service {
	s := &Service{db: opts.DB, ledger: ledger.New(opts.DB), now: opts.Now, payer: opts.Payer,
		notifier: opts.Notifier, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// tx runs fn in one database transaction with a ledger bound to it, so that chama's rows
// and the entries they stand for commit together. A deadlock aborts and re-runs fn (see
// ledger.TransactionWithDB): fn must be safe to repeat, which every write here is, being
// keyed. Notices and payout orders fn queues go out only after the commit.
func (s *Service) tx(ctx context.Context, fn func(t *txn) error) error {
	var done *txn
	err := s.ledger.TransactionWithDB(ctx, func(db *gorm.DB, l *ledger.Ledger) error {
		done = &txn{db: db, l: l, ctx: ctx, s: s}
		return fn(done)
	})
	if err != nil {
		return err
	}
	for _, n := range done.notices {
		if s.notifier != nil {
			if err := s.notifier.Notify(ctx, n); err != nil {
				s.log.WarnContext(ctx, "notice not sent", "kind", n.Kind, "err", err)
			}
		}
	}
	for _, o := range done.orders {
		s.dispatch(ctx, o)
	}
	return nil
}

// txn is one transaction: its GORM handle, its ledger, the service, and what to send once
// it has committed.
type txn struct {
	db      *gorm.DB
	l       *ledger.Ledger
	ctx     context.Context
	s       *Service
	notices []Notice
	orders  []PayoutOrder
}

// notify queues a notice to a person for after the commit.
func (t *txn) notify(p Person, kind string, vars map[string]string) {
	t.notices = append(t.notices, Notice{Phone: p.Phone, Lang: p.Lang, Kind: kind, Vars: vars})
}

// nairobi is East Africa Time (UTC+3, no daylight saving): the time members live in.
var nairobi = time.FixedZone("EAT", 3*60*60)

// Channel is how a person reached us.
type Channel string

// The channels.
const (
	USSD   Channel = "ussd"
	SMS    Channel = "sms"
	System Channel = "system" // a worker or the operator
)

// Actor is who asks for something: a person by phone, through a channel.
type Actor struct {
	Phone   string
	Channel Channel
}
