// Package workers owns Kikundi's background work on Asynq: the task types and their
// constructors, the handlers, the server's queues and retry policy, and the periodic
// schedule, registered in one place (Schedule). Handlers are idempotent: the database,
// not Asynq's task id, is what keeps a thing from happening twice.
//
// What a handler needs from the domain packages it receives as a small interface in
// Deps, so this package depends on behaviour, and cmd/kikundi decides the implementation.
package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/internal/tasks"
)

// ErrMissingDependency is returned by NewMux when Deps lacks something a handler needs.
var ErrMissingDependency = errors.New("missing worker dependency")

// LedgerMaintenance is the upkeep of the books that runs in the background.
type LedgerMaintenance interface {
	// ChainPending extends each book's hash chain over at most limit entries and
	// returns how many it chained.
	ChainPending(ctx context.Context, limit int) (int, error)
	// ExpireHolds expires the pending holds whose time has passed at now and returns how
	// many it expired.
	ExpireHolds(ctx context.Context, now time.Time) (int, error)
	// VerifyAll runs every ledger invariant check. ok is false when one is broken;
	// summary says which. err means the checks could not run.
	VerifyAll(ctx context.Context) (ok bool, summary string, err error)
}

// Deps are what the handlers need. Logger defaults to slog.Default().
type Deps struct {
	Ledger LedgerMaintenance
	Groups GroupUpkeep
	// Payments and Books settle M-Pesa money; without Payments (Daraja not configured)
	// the M-Pesa tasks do nothing.
	Payments Payments
	Books    Books
	// Reconciler runs the nightly statement reconciliation; nil: none configured.
	Reconciler Reconciler
	// Messages sends SMS; nil: messages stay queued in the outbox.
	Messages Messages
	// Reminders queues reminders; nil: none are sent.
	Reminders Reminders
	Logger    *slog.Logger
}

// NewMux routes every task type to its handler.
func NewMux(d Deps) (*asynq.ServeMux, error) {
	if d.Ledger == nil {
		return nil, fmt.Errorf("%w: Ledger", ErrMissingDependency)
	}
	if d.Groups == nil {
		return nil, fmt.Errorf("%w: Groups", ErrMissingDependency)
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	l := ledgerHandlers{ledger: d.Ledger, logger: d.Logger}
	c := chamaHandlers{groups: d.Groups, logger: d.Logger}
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeLedgerChain, l.chain)
	mux.HandleFunc(TypeLedgerExpireHolds, l.expireHolds)
	mux.HandleFunc(TypeLedgerVerify, l.verify)
	mux.HandleFunc(TypeChamaSweep, c.sweep)
	mux.HandleFunc(TypeChamaExpireApprovals, c.expireApprovals)
	mux.HandleFunc(TypeChamaDispatchPayouts, c.dispatchPayouts)
	mux.HandleFunc(TypeMpesaReconcile, reconcileHandler{r: d.Reconciler, logger: d.Logger}.reconcile)
	if d.Messages != nil {
		sh := smsHandlers{messages: d.Messages, logger: d.Logger}
		mux.HandleFunc(tasks.TypeSMSSend, sh.send)
		mux.HandleFunc(TypeSMSRequeue, sh.requeue)
	} else {
		mux.HandleFunc(TypeSMSRequeue, func(context.Context, *asynq.Task) error { return nil })
	}
	if d.Reminders != nil {
		mux.HandleFunc(TypeSMSReminders, remindHandler(d.Reminders, d.Logger))
	} else {
		mux.HandleFunc(TypeSMSReminders, func(context.Context, *asynq.Task) error { return nil })
	}
	if d.Payments == nil {
		idle := func(context.Context, *asynq.Task) error { return nil }
		mux.HandleFunc(TypeMpesaSweep, idle)
		return mux, nil
	}
	if d.Books == nil {
		return nil, fmt.Errorf("%w: Books", ErrMissingDependency)
	}
	m := mpesaHandlers{payments: d.Payments, books: d.Books, logger: d.Logger}
	mux.HandleFunc(tasks.TypeMpesaSettle, m.settle)
	mux.HandleFunc(tasks.TypeMpesaSend, m.send)
	mux.HandleFunc(TypeMpesaSweep, m.sweep)
	return mux, nil
}
