package chama

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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
	simSwaps SIMSwaps
	log      *slog.Logger
	// accounts caches account ids by book and code: an account, once open, keeps its id
	// for ever, and the payment path would otherwise look each one up every time.
	accounts sync.Map
}

// Options are what a Service is built from. Payer and Notifier may be nil: payouts then
// wait as pending and notices are dropped (a Service in a test that does not need them).
type Options struct {
	DB       *gorm.DB
	Payer    Payer
	Notifier Notifier
	// SIMSwaps, when set, holds payouts and approvals from a number whose SIM changed
	// recently (simswap.go); nil checks nothing.
	SIMSwaps SIMSwaps
	Logger   *slog.Logger
	// Now is the clock; tests move it through a year. Nil means time.Now.
	Now func() time.Time
}

// New returns a Service over opts.DB.
func New(opts Options) *Service {
	s := &Service{db: opts.DB, ledger: ledger.New(opts.DB), now: opts.Now, payer: opts.Payer,
		notifier: opts.Notifier, simSwaps: opts.SIMSwaps, log: opts.Logger}
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
	for k, id := range done.ids {
		s.accounts.Store(k, id)
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
	ids     map[string]int64 // account ids seen in this transaction, cached once it commits
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

// accountID is the id of an account, from the cache when it has been seen before.
// Accounts are never deleted, so a committed id stays right for ever.
func (t *txn) accountID(book int64, code string) (int64, error) {
	key := fmt.Sprintf("%d/%s", book, code)
	if id, ok := t.s.accounts.Load(key); ok {
		return id.(int64), nil
	}
	if id, ok := t.ids[key]; ok {
		return id, nil
	}
	acc, err := t.l.AccountByCode(t.ctx, book, code)
	if err != nil {
		return 0, err
	}
	t.remember(key, acc.ID)
	return acc.ID, nil
}

// platformBookID is the platform book's id, cached likewise.
func (t *txn) platformBookID() (int64, error) {
	if id, ok := t.s.accounts.Load("platform"); ok {
		return id.(int64), nil
	}
	b, err := t.l.BookByCode(t.ctx, platformBook)
	if err != nil {
		return 0, err
	}
	t.remember("platform", b.ID)
	return b.ID, nil
}

// remember keeps an id for the cache: only once the transaction has committed, since an
// account opened in a transaction that rolls back does not exist.
func (t *txn) remember(key string, id int64) {
	if t.ids == nil {
		t.ids = map[string]int64{}
	}
	t.ids[key] = id
}
