package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/internal/tasks"
	"github.com/kikundi/kikundi/mpesa"
)

// Payments is M-Pesa's side of settlement; *mpesa.Service is one.
type Payments interface {
	ApplyCallback(ctx context.Context, id int64) (mpesa.Settlement, error)
	MarkProcessed(ctx context.Context, id, intent int64, outcome string) error
	Settled(ctx context.Context, intent, callback int64, detail string) error
	ToSuspense(ctx context.Context, intent int64, reason string) error
	SendPayout(ctx context.Context, intent int64) (mpesa.Intent, error)
	Poll(ctx context.Context, limit int) (mpesa.Polled, error)
	Unprocessed(ctx context.Context, olderThan time.Duration, limit int) ([]int64, error)
	CallbackFailed(ctx context.Context, id int64, cause error) error
}

// Books is the groups' side of settlement; *chama.Service is one.
type Books interface {
	ReceivePayment(ctx context.Context, p chama.Payment) (chama.Applied, error)
	PayoutPaid(ctx context.Context, id int64, receipt string) error
	PayoutFailed(ctx context.Context, id int64, reason string) error
}

// Periodic M-Pesa tasks.
const (
	TypeMpesaSweep     = "mpesa:sweep"     // poll overdue intents, settle callbacks whose task was lost
	TypeMpesaReconcile = "mpesa:reconcile" // the nightly statement reconciliation
)

// Reconciler matches the organisation's M-Pesa statement against the books.
type Reconciler interface {
	// Reconcile reports whether the statement and the books agree, with a readable
	// report; err means it could not run.
	Reconcile(ctx context.Context) (clean bool, report string, err error)
}

// NewMpesaReconcileTask reconciles the day's statement. A run that could not happen is
// retried a few times; differences are an operator's business, not a retry's.
func NewMpesaReconcileTask() *asynq.Task {
	return asynq.NewTask(TypeMpesaReconcile, nil,
		asynq.Queue(QueueLow), asynq.Timeout(time.Hour), asynq.Unique(2*time.Hour), asynq.MaxRetry(3))
}

type reconcileHandler struct {
	r      Reconciler
	logger *slog.Logger
}

func (h reconcileHandler) reconcile(ctx context.Context, _ *asynq.Task) error {
	if h.r == nil {
		return nil // no statement source configured (KIKUNDI_STATEMENT_URL)
	}
	clean, report, err := h.r.Reconcile(ctx)
	if err != nil {
		return fmt.Errorf("reconcile statement: %w", err)
	}
	if !clean {
		h.logger.ErrorContext(ctx, "M-Pesa statement and books differ: an operator must look", "report", report)
		return nil
	}
	h.logger.InfoContext(ctx, "M-Pesa statement reconciled", "report", report)
	return nil
}

// NewMpesaSweepTask is the periodic safety net under the callbacks.
func NewMpesaSweepTask() *asynq.Task {
	return asynq.NewTask(TypeMpesaSweep, nil,
		asynq.Queue(QueueCritical), asynq.Timeout(2*time.Minute), asynq.Unique(time.Minute), asynq.MaxRetry(0))
}

type mpesaHandlers struct {
	payments Payments
	books    Books
	logger   *slog.Logger
}

// settle applies one stored callback: M-Pesa's side first (the intent), then the books,
// then marks it processed. Killed anywhere in between, it runs again and does nothing
// twice: the books are idempotent on the receipt, the intent only moves forward.
func (h mpesaHandlers) settle(ctx context.Context, t *asynq.Task) error {
	id, err := tasks.ParseID(t)
	if err != nil {
		return err
	}
	return h.settleCallback(ctx, id)
}

func (h mpesaHandlers) settleCallback(ctx context.Context, id int64) error {
	st, err := h.payments.ApplyCallback(ctx, id)
	// A callback that beat the reply to its own request: the reply is being recorded
	// right now, so a short wait usually settles it without a retry's back-off.
	for i := 0; errors.Is(err, mpesa.ErrNotYet) && i < 10; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		st, err = h.payments.ApplyCallback(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("callback %d: %w", id, err)
	}
	note, done, err := h.book(ctx, id, st)
	if err != nil {
		return fmt.Errorf("callback %d: %w", id, err)
	}
	if done { // the settlement marked the callback processed with it
		return nil
	}
	if note != "" {
		st.Note += "; " + note
	}
	return h.payments.MarkProcessed(ctx, id, st.Intent.ID, st.Note)
}

// book carries a settlement into the groups' books. done reports that the callback was
// marked processed along with the intent's settlement.
func (h mpesaHandlers) book(ctx context.Context, callback int64, st mpesa.Settlement) (note string, done bool, err error) {
	in := st.Intent
	switch st.Action {
	case mpesa.Collected:
		return h.collect(ctx, callback, st)
	case mpesa.PayoutPaid:
		if in.SubjectID == nil {
			return "", false, nil
		}
		if err := h.books.PayoutPaid(ctx, *in.SubjectID, mpesa.Text(in.Receipt)); err != nil {
			return "", false, err
		}
		return "payout posted", true, h.payments.Settled(ctx, in.ID, callback, st.Note+"; payout posted")
	case mpesa.PayoutFailed:
		if in.SubjectID == nil {
			return "", false, nil
		}
		return "payout hold voided", false, h.books.PayoutFailed(ctx, *in.SubjectID, in.ResultDesc)
	}
	return "", false, nil
}

// collect applies money in to its group, or books it in suspense when it names no group
// or member the books know: listed for an official, never dropped.
func (h mpesaHandlers) collect(ctx context.Context, callback int64, st mpesa.Settlement) (string, bool, error) {
	in := st.Intent
	if in.GroupCode == nil || in.Phone == nil {
		return "suspense", false, h.payments.ToSuspense(ctx, in.ID, "account reference names no member: "+mpesa.Text(in.AccountRef))
	}
	pay := chama.Payment{Group: *in.GroupCode, Phone: *in.Phone, Receipt: mpesa.Text(in.Receipt), Amount: in.Amount,
		Purpose: in.Purpose, ReceivedAt: in.UpdatedAt}
	if in.TransactedAt != nil {
		pay.ReceivedAt = *in.TransactedAt // dated by M-Pesa's time, not by when we got to it
	}
	if in.SubjectID != nil {
		pay.Loan = *in.SubjectID
	}
	applied, err := h.books.ReceivePayment(ctx, pay)
	switch {
	case err == nil:
		note := fmt.Sprintf("applied: fines %s, dues %s, loan %s, saved %s", applied.Fines, applied.Dues, applied.Loan, applied.Savings)
		return note, true, h.payments.Settled(ctx, in.ID, callback, st.Note+"; "+note)
	case errors.Is(err, chama.ErrDuplicateReceipt):
		// The receipt is in the books for another payment: never booked twice; an
		// operator must look.
		h.logger.ErrorContext(ctx, "M-Pesa receipt already applied to another payment", "intent", in.ID, "receipt", mpesa.Text(in.Receipt))
		return "receipt conflict: not booked again", false, nil
	case unmatched(err):
		return "suspense", false, h.payments.ToSuspense(ctx, in.ID, err.Error())
	}
	return "", false, err
}

// unmatched is money the books cannot place: it goes to suspense rather than being
// retried for ever.
func unmatched(err error) bool {
	for _, e := range []error{chama.ErrUnknownGroup, chama.ErrNotMember, chama.ErrUnknownPerson, chama.ErrUnknownLoan,
		chama.ErrLoanState, chama.ErrUnknownReceipt, chama.ErrInvalidAmount,
		phone.ErrEmpty, phone.ErrNotANumber, phone.ErrWrongLength, phone.ErrNotKenyanMobile} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (h mpesaHandlers) send(ctx context.Context, t *asynq.Task) error {
	id, err := tasks.ParseID(t)
	if err != nil {
		return err
	}
	in, err := h.payments.SendPayout(ctx, id)
	if errors.Is(err, mpesa.ErrPayoutRefused) && in.SubjectID != nil {
		// Never reached M-Pesa: the payout fails and its hold is released; officials see
		// it failed and can send it again once the cause is fixed.
		h.logger.ErrorContext(ctx, "payout refused by M-Pesa", "intent", in.ID, "error", err)
		return h.books.PayoutFailed(ctx, *in.SubjectID, err.Error())
	}
	return err
}

// sweep polls what is overdue and settles callbacks left behind.
func (h mpesaHandlers) sweep(ctx context.Context, _ *asynq.Task) error {
	p, err := h.payments.Poll(ctx, 200)
	for _, in := range p.Refused {
		if in.SubjectID != nil {
			err = errors.Join(err, h.books.PayoutFailed(ctx, *in.SubjectID, "refused by M-Pesa"))
		}
	}
	if p.Asked+p.Sent+p.GaveUp > 0 {
		h.logger.InfoContext(ctx, "M-Pesa intents polled", "asked", p.Asked, "sent", p.Sent, "failed", p.Failed, "gave_up", p.GaveUp)
	}
	ids, lerr := h.payments.Unprocessed(ctx, time.Minute, 200)
	for _, id := range ids {
		if serr := h.settleCallback(ctx, id); serr != nil && !errors.Is(serr, mpesa.ErrNotYet) {
			// Tried less often each time, then left for a person: a callback that keeps
			// failing must not hold up those behind it.
			err = errors.Join(err, serr, h.payments.CallbackFailed(ctx, id, serr))
		}
	}
	return errors.Join(err, lerr)
}

// AssignSuspense is an official placing money that waits in suspense (it named no
// member) with a member of their group: the chama applies it as that member's payment,
// moving it out of the platform's suspense, and the intent is marked settled. It is what
// the officials' SMS and USSD commands call.
func AssignSuspense(ctx context.Context, payments *mpesa.Service, groups *chama.Service, official chama.Actor, pin string,
	intent int64, group, memberPhone, purpose string) (chama.Applied, error) {
	in, err := payments.IntentByID(ctx, intent)
	if err != nil {
		return chama.Applied{}, err
	}
	if in.Status != mpesa.StatusSuspense {
		return chama.Applied{}, fmt.Errorf("intent %d is %s, not in suspense", in.ID, in.Status)
	}
	if in.GroupCode != nil && !strings.EqualFold(*in.GroupCode, group) {
		// The payer named that group: only its officials may place the money.
		return chama.Applied{}, fmt.Errorf("the payment named group %s: %w", *in.GroupCode, chama.ErrNotOfficial)
	}
	applied, err := groups.AssignPayment(ctx, official, pin, chama.Payment{Group: group, Phone: memberPhone,
		Receipt: mpesa.Text(in.Receipt), Amount: in.Amount, Purpose: purpose, ReceivedAt: in.UpdatedAt})
	if err != nil {
		return chama.Applied{}, err
	}
	return applied, payments.Assigned(ctx, in.ID, "assigned to "+phone.Mask(memberPhone)+" in "+group)
}
