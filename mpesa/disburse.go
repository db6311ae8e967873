package mpesa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/internal/tasks"
)

// Payout is money a group sends to a member by B2C, as the chama hands it over.
type Payout struct {
	ID      int64 // the chama payout: the idempotency key of the whole exchange
	Group   string
	Phone   string
	Amount  decimal.Decimal
	Purpose string
}

// resultWait is how long a sent B2C waits for its result before Transaction Status is asked.
const resultWait = 2 * time.Minute

// originatorFor is the OriginatorConversationID of a chama payout: derived from its id, so
// asking twice is the same request, which Daraja itself refuses to pay twice.
func originatorFor(payout int64) string { return fmt.Sprintf("kikundi-payout-%d", payout) }

// Pay commits a B2C intent for a chama payout (once: its OriginatorConversationID comes
// from the payout id) and has it sent: by a worker when there is a queue, so the official
// whose vote released the money is not kept waiting on Daraja, else at once. Asked again,
// it sends again only what never reached M-Pesa; a "duplicate" answer means M-Pesa has it
// already.
func (s *Service) Pay(ctx context.Context, p Payout) error {
	e164, err := phone.Normalize(p.Phone)
	if err != nil {
		return err
	}
	originator := originatorFor(p.ID)
	if err := s.db.WithContext(ctx).Exec(`INSERT INTO mpesa_intents (kind, status, group_code, phone, amount, purpose, subject_id,
		originator_conversation_id, next_poll_at) VALUES ('b2c', 'new', ?, ?, ?, 'payout', ?, ?, ?)
		ON CONFLICT (originator_conversation_id) DO NOTHING`, p.Group, e164, p.Amount, p.ID, originator, s.now().Add(time.Minute)).Error; err != nil {
		return fmt.Errorf("record payout intent: %w", err)
	}
	in, err := intentBy(ctx, s.db, "originator_conversation_id", originator)
	if err != nil {
		return err
	}
	if in.Status != StatusNew {
		return nil
	}
	if s.queue != nil {
		_, err := s.queue.Enqueue(tasks.NewMpesaSendTask(in.ID))
		if err == nil || errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
			return nil
		}
		s.log.WarnContext(ctx, "payout not queued; the poller will send it", "intent", in.ID, "err", err)
		return nil
	}
	return s.sendB2C(ctx, in)
}

// ErrPayoutRefused is a payout M-Pesa (or the client, before sending) refused outright:
// it never reached M-Pesa under its id, so it is failed and its hold may be released.
var ErrPayoutRefused = errors.New("mpesa: payout refused")

// SendPayout sends a committed B2C intent if it has not reached M-Pesa yet, and returns
// it. An outright refusal marks it failed and returns ErrPayoutRefused.
func (s *Service) SendPayout(ctx context.Context, intent int64) (Intent, error) {
	in, err := s.IntentByID(ctx, intent)
	if err != nil || in.Kind != KindB2C || in.Status != StatusNew {
		return in, err
	}
	return in, s.sendB2C(ctx, in)
}

// sendB2C sends a new B2C intent; a failure to reach M-Pesa leaves it new for the poller.
func (s *Service) sendB2C(ctx context.Context, in Intent) error {
	acc, err := s.client.B2C(ctx, B2C{OriginatorConversationID: Text(in.OriginatorConversationID), Phone: Text(in.Phone),
		Amount: in.Amount, Remarks: "Kikundi payout", Occasion: in.Purpose, ResultURL: s.urls.B2CResult, QueueTimeOutURL: s.urls.B2CTimeout})
	var api *APIError
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicateOriginator):
		// M-Pesa already has it: its result will come, or Transaction Status will tell.
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrInvalidAmount),
		errors.As(err, &api) && api.Code != "" && api.HTTPStatus >= 400 && api.HTTPStatus < 500 && !errors.Is(err, ErrInvalidToken):
		// Refused for what it is (an amount, a number, a field): sending it again under the
		// same id would be refused again. It never reached M-Pesa, so it fails.
		if _, _, terr := transition(ctx, s.db, in.ID, []string{StatusNew}, StatusFailed, "request", err.Error(),
			map[string]any{"result_desc": trimDesc(err.Error()), "next_poll_at": nil}); terr != nil {
			return terr
		}
		return fmt.Errorf("%w: %v", ErrPayoutRefused, err)
	default:
		_, _, _ = transition(ctx, s.db, in.ID, []string{StatusNew}, StatusNew, "request", err.Error(),
			map[string]any{"next_poll_at": s.now().Add(time.Minute)})
		return err
	}
	_, _, err = transition(ctx, s.db, in.ID, []string{StatusNew}, StatusSent, "request", "accepted", map[string]any{
		"conversation_id": nullable(acc.ConversationID), "next_poll_at": s.now().Add(resultWait),
	})
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
