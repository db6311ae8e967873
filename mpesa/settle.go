package mpesa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ledger"
)

// Action is what the books must do about a callback once M-Pesa's side is recorded.
type Action int

// The actions. The workers carry them out through the chama and then call Settled (or
// ToSuspense), so the intent records that the books have the money.
const (
	Nothing      Action = iota // recorded; nothing for the books (a failure of a push, a duplicate)
	Collected                  // money in: apply it to the group (contribution or repayment)
	PayoutPaid                 // a payout reached the member: post its hold
	PayoutFailed               // a payout failed: void its hold
)

// Settlement is what a stored callback came to.
type Settlement struct {
	Action Action
	Intent Intent
	Note   string // for the log: what was recorded
}

// ErrNotYet is a callback that cannot be settled yet (it names an intent whose request's
// reply has not been recorded): the worker retries it.
var ErrNotYet = errors.New("mpesa: callback arrived before its request was recorded")

// notYetFor is how long a callback may wait for its intent before it is reported as
// matching nothing.
const notYetFor = 10 * time.Minute

type storedCallback struct {
	ID          int64      `gorm:"column:id"`
	Kind        string     `gorm:"column:kind"`
	ReceivedAt  time.Time  `gorm:"column:received_at"`
	Body        []byte     `gorm:"column:body"`
	ProcessedAt *time.Time `gorm:"column:processed_at"`
}

// ApplyCallback turns a stored callback into intent transitions and says what the books
// must do. It may be run any number of times for one callback: transitions only move
// forward, a receipt is unique, and a success is final (a later failure, from a query or
// a sandbox's confused callback, never overturns it).
func (s *Service) ApplyCallback(ctx context.Context, id int64) (Settlement, error) {
	var cb storedCallback
	if err := s.db.WithContext(ctx).Raw(`SELECT id, kind, received_at, body, processed_at FROM mpesa_callbacks WHERE id = ?`, id).Scan(&cb).Error; err != nil {
		return Settlement{}, err
	}
	if cb.ID == 0 {
		return Settlement{}, fmt.Errorf("mpesa: no callback %d", id)
	}
	var st Settlement
	var err error
	switch cb.Kind {
	case CallbackSTK:
		st, err = s.applySTK(ctx, cb)
	case CallbackConfirmation:
		st, err = s.applyConfirmation(ctx, cb)
	case CallbackB2CResult:
		st, err = s.applyB2CResult(ctx, cb)
	case CallbackB2CTimeout:
		st, err = s.applyB2CTimeout(ctx, cb)
	case CallbackStatusResult:
		st, err = s.applyStatusResult(ctx, cb)
	default: // validations, status time-outs: nothing to settle
		st = Settlement{Note: "nothing to settle"}
	}
	if errors.Is(err, ErrUnknownIntent) {
		if s.now().Sub(cb.ReceivedAt) < notYetFor {
			return Settlement{}, ErrNotYet
		}
		st, err = Settlement{Note: "matches no intent: reported"}, nil
		s.log.ErrorContext(ctx, "M-Pesa callback matches no payment intent", "callback", cb.ID, "kind", cb.Kind)
	}
	if errors.Is(err, ErrMalformedCallback) {
		s.log.ErrorContext(ctx, "malformed M-Pesa callback stored, not posted", "callback", cb.ID, "kind", cb.Kind, "err", err)
		st, err = Settlement{Note: "malformed: " + trimDesc(err.Error())}, nil
	}
	if err != nil {
		return Settlement{}, err
	}
	return st, nil
}

// MarkProcessed records what a callback came to, and the intent it concerned (0: none),
// once its settlement is complete.
func (s *Service) MarkProcessed(ctx context.Context, id, intent int64, outcome string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE mpesa_callbacks SET processed_at = now(), outcome = ?, intent_id = COALESCE(NULLIF(?, 0), intent_id)
		WHERE id = ? AND processed_at IS NULL`, trimDesc(outcome), intent, id).Error
}

// settlement is the action an intent's status calls for, for intents reached again.
func settlement(in Intent, note string) Settlement {
	switch {
	case in.Kind == KindB2C && in.Status == StatusSucceeded:
		return Settlement{Action: PayoutPaid, Intent: in, Note: note}
	case in.Kind == KindB2C && in.Status == StatusFailed:
		return Settlement{Action: PayoutFailed, Intent: in, Note: note}
	case in.Kind != KindB2C && in.Status == StatusSucceeded:
		return Settlement{Action: Collected, Intent: in, Note: note}
	}
	return Settlement{Intent: in, Note: note}
}

func (s *Service) applySTK(ctx context.Context, cb storedCallback) (Settlement, error) {
	p, err := ParseSTKCallback(cb.Body)
	if err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "checkout_request_id", p.CheckoutRequestID)
	if errors.Is(err, ErrUnknownIntent) && p.Success && s.now().Sub(cb.ReceivedAt) >= notYetFor {
		// Paid, for a push whose reply we never recorded: the money is real, so it is
		// booked (to suspense: nothing says which group) rather than lost.
		return s.orphanPayment(ctx, KindSTK, p.Receipt, p.Amount, p.Phone, p.TransactionDate)
	}
	if err != nil {
		return Settlement{}, err
	}
	if !p.Success {
		in, _, err = transition(ctx, s.db, in.ID, []string{StatusNew, StatusSent}, StatusFailed, "callback", p.ResultDesc,
			map[string]any{"result_code": string(p.ResultCode), "result_desc": trimDesc(p.ResultDesc)})
		return settlement(in, "push failed: "+string(p.ResultCode)), err
	}
	if !p.Amount.Equal(in.Amount) {
		s.log.WarnContext(ctx, "STK callback amount differs from the request; the callback's is what was paid",
			"intent", in.ID, "asked", in.Amount.String(), "paid", p.Amount.String())
	}
	in, err = s.succeed(ctx, in, p.Receipt, p.Amount, string(p.ResultCode), p.ResultDesc, "callback", p.TransactionDate)
	return settlement(in, "paid "+p.Receipt), err
}

// orphanPayment records confirmed money that matches no intent as a succeeded intent of
// its own, with no group: the worker books it to suspense for an official to assign.
func (s *Service) orphanPayment(ctx context.Context, kind, receipt string, amount decimal.Decimal, rawPhone string, at time.Time) (Settlement, error) {
	var ph *string
	if e164, err := phone.Normalize(rawPhone); err == nil {
		ph = &e164
	}
	var when *time.Time
	if !at.IsZero() {
		when = &at
	}
	if err := s.db.WithContext(ctx).Exec(`INSERT INTO mpesa_intents (kind, status, phone, amount, purpose, receipt, result_code, transacted_at)
		VALUES (?, 'succeeded', ?, ?, 'unknown', ?, '0', ?) ON CONFLICT (receipt) DO NOTHING`, kind, ph, amount, receipt, when).Error; err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "receipt", receipt)
	return settlement(in, "paid "+receipt+", matching no intent"), err
}

// succeed records an intent's success with its receipt and M-Pesa's time of it. Money
// in is final once received: a success may follow a failure that a query or callback got
// wrong. A payout marked failed has had its hold released, so a success arriving after it
// is not applied: it is logged for an operator (the member was paid; the books must be
// corrected by hand, through an approval).
func (s *Service) succeed(ctx context.Context, in Intent, receipt string, amount decimal.Decimal, code, desc, source string, at time.Time) (Intent, error) {
	set := map[string]any{"receipt": receipt, "result_code": code, "result_desc": trimDesc(desc)}
	if amount.IsPositive() {
		set["amount"] = amount
	}
	if !at.IsZero() {
		set["transacted_at"] = at
	}
	from := []string{StatusNew, StatusSent, StatusFailed, StatusUnknown}
	if in.Kind == KindB2C {
		from = []string{StatusNew, StatusSent, StatusUnknown}
	}
	out, changed, err := transition(ctx, s.db, in.ID, from, StatusSucceeded, source, receipt, set)
	if err != nil && strings.Contains(err.Error(), "mpesa_intents_receipt_key") {
		return in, fmt.Errorf("mpesa: receipt %s already belongs to another intent: %w", receipt, ErrMalformedCallback)
	}
	if err == nil && !changed && out.Kind == KindB2C && out.Status == StatusFailed {
		s.log.ErrorContext(ctx, "a payout recorded as failed has succeeded: the member was paid; correct the books",
			"intent", out.ID, "receipt", receipt)
	}
	return out, err
}

func (s *Service) applyConfirmation(ctx context.Context, cb storedCallback) (Settlement, error) {
	p, err := ParseC2B(cb.Body)
	if err != nil {
		return Settlement{}, err
	}
	group, e164 := ParseAccount(p.BillRefNumber)
	var g, ph *string
	if group != "" {
		g = &group
	}
	if e164 != "" {
		ph = &e164
	}
	ref := p.BillRefNumber
	if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var id int64
		if err := tx.Raw(`INSERT INTO mpesa_intents (kind, status, group_code, phone, amount, purpose, account_ref, receipt, result_code, transacted_at)
			VALUES ('c2b', 'succeeded', ?, ?, ?, 'contribution', ?, ?, '0', ?) ON CONFLICT (receipt) DO NOTHING RETURNING id`,
			g, ph, p.Amount, ref, p.TransID, p.TransTime).Scan(&id).Error; err != nil {
			return err
		}
		if id == 0 {
			return nil // a duplicate confirmation
		}
		return event(tx, id, "", StatusSucceeded, "callback", "c2b "+p.TransID)
	}); err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "receipt", p.TransID)
	return settlement(in, "paybill "+p.TransID), err
}

func (s *Service) applyB2CResult(ctx context.Context, cb storedCallback) (Settlement, error) {
	r, err := ParseResult(cb.Body)
	if err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "originator_conversation_id", r.OriginatorConversationID)
	if errors.Is(err, ErrUnknownIntent) && r.ConversationID != "" {
		in, err = intentBy(ctx, s.db, "conversation_id", r.ConversationID)
	}
	if err != nil {
		return Settlement{}, err
	}
	return s.applyPayoutResult(ctx, in, r, "callback")
}

// applyPayoutResult records a B2C's outcome from its own Result. It succeeds on a zero
// ResultCode with a receipt (TransactionReceipt, or TransactionID) and fails only on a
// non-zero ResultCode: a payout is never marked failed without M-Pesa saying so, since a
// failure releases the hold and lets the payout be sent again.
func (s *Service) applyPayoutResult(ctx context.Context, in Intent, r Result, source string) (Settlement, error) {
	receipt := r.Receipt
	if receipt == "" {
		receipt = r.TransactionID
	}
	if r.ResultCode.IsSuccess() {
		if receipt == "" {
			s.log.ErrorContext(ctx, "a payout result says success but names no receipt: Transaction Status will be asked", "intent", in.ID)
			_, _, err := transition(ctx, s.db, in.ID, []string{StatusNew, StatusSent}, StatusUnknown, source, "success without a receipt",
				map[string]any{"next_poll_at": s.now()})
			return Settlement{Intent: in, Note: "success without a receipt"}, err
		}
		in, err := s.succeed(ctx, in, receipt, decimal.Zero, string(r.ResultCode), r.ResultDesc, source, r.Completed)
		return settlement(in, "paid "+receipt), err
	}
	return s.failPayout(ctx, in, string(r.ResultCode), r.ResultDesc, source)
}

func (s *Service) failPayout(ctx context.Context, in Intent, code, desc, source string) (Settlement, error) {
	in, _, err := transition(ctx, s.db, in.ID, []string{StatusNew, StatusSent, StatusUnknown}, StatusFailed, source, desc,
		map[string]any{"result_code": code, "result_desc": trimDesc(desc)})
	return settlement(in, "payout failed: "+code), err
}

func (s *Service) applyB2CTimeout(ctx context.Context, cb storedCallback) (Settlement, error) {
	r, err := ParseResult(cb.Body)
	if err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "originator_conversation_id", r.OriginatorConversationID)
	if err != nil {
		return Settlement{}, err
	}
	// A queue time-out is not a failure: the payment may still have gone. Only
	// Transaction Status decides, and the poller asks it now.
	in, _, err = transition(ctx, s.db, in.ID, []string{StatusNew, StatusSent}, StatusUnknown, "callback", "queue time-out",
		map[string]any{"next_poll_at": s.now()})
	return settlement(in, "queue time-out: status will be asked"), err
}

// applyStatusResult is the answer to a Transaction Status query about a payout or an
// STK push whose callback was lost. It is found by the ConversationID the query's
// acknowledgement gave (stored on the intent when asked), else by the payout's
// OriginatorConversationID among its parameters. Only "Completed" with a receipt is a
// success and only "Failed" a failure; anything else is asked again later.
func (s *Service) applyStatusResult(ctx context.Context, cb storedCallback) (Settlement, error) {
	r, err := ParseResult(cb.Body)
	if err != nil {
		return Settlement{}, err
	}
	in, err := intentBy(ctx, s.db, "status_conversation_id", r.ConversationID)
	if errors.Is(err, ErrUnknownIntent) && r.Params["OriginatorConversationID"] != "" {
		in, err = intentBy(ctx, s.db, "originator_conversation_id", r.Params["OriginatorConversationID"])
	}
	if err != nil {
		return Settlement{}, err
	}
	receipt, status := r.Params["ReceiptNo"], r.Params["TransactionStatus"]
	switch {
	case r.ResultCode.IsSuccess() && status == "Completed" && receipt != "":
		amount := decimal.Zero
		if in.Kind != KindB2C {
			if a, err := decimal.NewFromString(r.Params["Amount"]); err == nil {
				amount = a
			}
		}
		in, err := s.succeed(ctx, in, receipt, amount, "0", "confirmed by transaction status", "poll", r.Completed)
		return settlement(in, "paid "+receipt+" (by status)"), err
	case r.ResultCode.IsSuccess() && status == "Failed" && in.Kind == KindB2C:
		return s.failPayout(ctx, in, "status:Failed", r.ResultDesc, "poll")
	}
	// Not found (2032), not final, or not answerable: ask again later; the poller gives
	// up only after many tries (see poll.go).
	_, _, err = transition(ctx, s.db, in.ID, []string{in.Status}, in.Status, "poll", "status: "+trimDesc(r.ResultDesc+" "+status),
		map[string]any{"next_poll_at": s.now().Add(pollBackoff(in.Polls))})
	return Settlement{Intent: in, Note: "status not known yet"}, err
}

// Settled records that the books hold a succeeded intent's money and, when callback is
// not 0, that the callback which brought it is processed: one statement, one commit.
func (s *Service) Settled(ctx context.Context, intent, callback int64, detail string) error {
	detail = trimDesc(detail)
	return s.db.WithContext(ctx).Exec(`WITH upd AS (UPDATE mpesa_intents SET status = 'settled', updated_at = now()
			WHERE id = ? AND status = 'succeeded' RETURNING id),
		ev AS (INSERT INTO mpesa_intent_events (intent_id, from_status, to_status, source, detail)
			SELECT id, 'succeeded', 'settled', 'settle', ? FROM upd)
		UPDATE mpesa_callbacks SET processed_at = now(), outcome = ?, intent_id = ?
		WHERE id = ? AND processed_at IS NULL`, intent, detail, detail, intent, callback).Error
}

// ToSuspense books money that matched no group or member: Dr M-Pesa collections / Cr
// suspense in the platform book, once per receipt, and marks the intent suspense so it is
// listed for an official to assign.
func (s *Service) ToSuspense(ctx context.Context, intent int64, reason string) error {
	in, err := s.IntentByID(ctx, intent)
	if err != nil {
		return err
	}
	if in.Status != StatusSucceeded {
		return nil
	}
	receipt := Text(in.Receipt)
	var booked bool
	if err := s.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE idempotency_key = ?)`,
		"mpesa:"+receipt+":platform").Scan(&booked).Error; err != nil {
		return err
	}
	if booked { // the books already have it (a settlement interrupted after the chama applied it)
		return s.Settled(ctx, in.ID, 0, "already in the books")
	}
	platform, err := s.ledger.BookByCode(ctx, "platform")
	if err != nil {
		return err
	}
	collections, err := s.ledger.AccountByCode(ctx, platform.ID, "mpesa:collections")
	if err != nil {
		return err
	}
	suspense, err := s.ledger.AccountByCode(ctx, platform.ID, "suspense")
	if err != nil {
		return err
	}
	return s.ledger.TransactionWithDB(ctx, func(db *gorm.DB, tx *ledger.Ledger) error {
		if _, err := tx.Post(ctx, ledger.EntryRequest{
			Key: "mpesa:" + receipt + ":suspense", Book: platform.ID, Kind: "mpesa.suspense", Currency: ledger.KES,
			Memo: trimDesc(reason), Refs: map[string]string{"mpesa_receipt": receipt, "account_ref": Text(in.AccountRef)},
			Legs: []ledger.Leg{ledger.Debit(collections.ID, in.Amount), ledger.Credit(suspense.ID, in.Amount)},
		}); err != nil {
			return err
		}
		_, _, err := transition(ctx, db, in.ID, []string{StatusSucceeded}, StatusSuspense, "settle", reason, nil)
		return err
	})
}

// Suspense lists the money waiting for an official to assign it, oldest first.
func (s *Service) Suspense(ctx context.Context) ([]Intent, error) {
	var out []Intent
	err := s.db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents WHERE status = 'suspense' ORDER BY id`).Scan(&out).Error
	return out, err
}

// Assigned records that money in suspense has been applied to a group by an official.
func (s *Service) Assigned(ctx context.Context, intent int64, detail string) error {
	_, _, err := transition(ctx, s.db, intent, []string{StatusSuspense}, StatusSettled, "operator", detail, nil)
	return err
}

// Unprocessed lists callbacks stored longer than olderThan ago and never settled, whose
// next try is due: their task was lost (Redis down when they came) or keeps failing.
func (s *Service) Unprocessed(ctx context.Context, olderThan time.Duration, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT id FROM mpesa_callbacks WHERE processed_at IS NULL AND received_at < ?
		AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY id LIMIT ?`,
		s.now().Add(-olderThan), s.now(), limit).Scan(&ids).Error
	return ids, err
}

// maxCallbackAttempts is how many sweeps try a failing callback (over about a day) before
// it is left for a person, marked processed with its last error and listed by Stuck.
const maxCallbackAttempts = 30

// CallbackFailed records a failed settlement of a callback and when to try it next.
func (s *Service) CallbackFailed(ctx context.Context, id int64, cause error) error {
	var attempts int
	if err := s.db.WithContext(ctx).Raw(`UPDATE mpesa_callbacks SET attempts = attempts + 1 WHERE id = ? RETURNING attempts`,
		id).Scan(&attempts).Error; err != nil {
		return err
	}
	if attempts >= maxCallbackAttempts {
		s.log.ErrorContext(ctx, "M-Pesa callback could not be settled: left for an operator", "callback", id, "error", cause)
		return s.db.WithContext(ctx).Exec(`UPDATE mpesa_callbacks SET processed_at = now(), outcome = ? WHERE id = ?`,
			trimDesc("gave up: "+cause.Error()), id).Error
	}
	return s.db.WithContext(ctx).Exec(`UPDATE mpesa_callbacks SET next_try_at = ? WHERE id = ?`,
		s.now().Add(pollBackoff(attempts)), id).Error
}
