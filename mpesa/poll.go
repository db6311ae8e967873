package mpesa

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxPolls is how many times an intent is asked about before it is left for a person:
// with the back-off below, about a day.
const maxPolls = 40

// pollBackoff is the wait before the next question about an intent: 30 s doubling to at
// most 30 minutes.
func pollBackoff(polls int) time.Duration {
	d := 30 * time.Second
	for i := 0; i < polls && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// Polled counts what one poll did.
type Polled struct {
	Asked, Sent, Failed, GaveUp int
	// Refused are payouts M-Pesa refused outright when sent again: the caller releases
	// their holds (workers tell the chama).
	Refused []Intent
}

// Poll asks M-Pesa about every intent whose answer is overdue: an STK push without its
// callback (STK query; when it says paid, Transaction Status for the receipt), a payout
// without its result or whose queue timed out (Transaction Status), and a payout that
// never reached M-Pesa (sent again, under the same OriginatorConversationID). Answers to
// Transaction Status arrive as callbacks. A query never overturns a success: only intents
// still waiting are asked about.
func (s *Service) Poll(ctx context.Context, limit int) (Polled, error) {
	var due []Intent
	if err := s.db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents WHERE status IN ('new', 'sent', 'unknown')
		AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?`, s.now(), limit).Scan(&due).Error; err != nil {
		return Polled{}, err
	}
	var out Polled
	var errs []error
	for _, in := range due {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if in.Polls >= maxPolls {
			out.GaveUp++
			_, _, err := transition(ctx, s.db, in.ID, []string{in.Status}, in.Status, "poll", "no answer after many tries: left for an operator",
				map[string]any{"next_poll_at": nil})
			errs = append(errs, err)
			s.log.ErrorContext(ctx, "M-Pesa never answered about an intent; an operator must look", "intent", in.ID, "kind", in.Kind, "status", in.Status)
			continue
		}
		next := map[string]any{"polls": in.Polls + 1, "next_poll_at": s.now().Add(pollBackoff(in.Polls + 1))}
		var err error
		switch {
		case in.Kind == KindB2C && in.Status == StatusNew:
			out.Sent++
			err = s.sendB2C(ctx, in)
			if errors.Is(err, ErrPayoutRefused) {
				out.Refused = append(out.Refused, in)
				err = nil
			}
		case in.Kind == KindSTK && in.Status == StatusSent:
			out.Asked++
			err = s.pollSTK(ctx, in, next)
		case in.Kind == KindB2C:
			out.Asked++
			var acc Accepted
			acc, err = s.client.TransactionStatus(ctx, StatusQuery{OriginatorConversationID: Text(in.OriginatorConversationID),
				ResultURL: s.urls.StatusResult, QueueTimeOutURL: s.urls.StatusTimeout})
			if err == nil {
				next["status_conversation_id"] = nullable(acc.ConversationID)
				_, _, err = transition(ctx, s.db, in.ID, []string{in.Status}, in.Status, "poll", "status asked", next)
			}
		case in.Kind == KindSTK && in.Status == StatusNew:
			// The push never got its reply recorded (a transport error, a crash): without a
			// CheckoutRequestID there is nothing to ask. If the member paid, the callback
			// still comes and, matching no intent, is booked to suspense (settle.go).
			_, _, err = transition(ctx, s.db, in.ID, []string{StatusNew}, StatusFailed, "poll", "push never confirmed",
				map[string]any{"next_poll_at": nil})
		}
		if err != nil {
			out.Failed++
			errs = append(errs, err)
			_, _, _ = transition(ctx, s.db, in.ID, []string{in.Status}, in.Status, "poll", trimDesc(err.Error()), next)
		}
	}
	return out, errors.Join(errs...)
}

func (s *Service) pollSTK(ctx context.Context, in Intent, next map[string]any) error {
	st, err := s.client.STKQuery(ctx, Text(in.CheckoutRequestID))
	switch {
	case errors.Is(err, ErrStillProcessing):
		_, _, err = transition(ctx, s.db, in.ID, []string{StatusSent}, StatusSent, "poll", "still processing", next)
		return err
	case err != nil:
		return err
	case !st.Done:
		_, _, err = transition(ctx, s.db, in.ID, []string{StatusSent}, StatusSent, "poll", "not done", next)
		return err
	case !st.ResultCode.IsSuccess():
		_, _, err = transition(ctx, s.db, in.ID, []string{StatusSent}, StatusFailed, "poll", st.ResultDesc,
			map[string]any{"result_code": string(st.ResultCode), "result_desc": trimDesc(st.ResultDesc)})
		return err
	}
	// Paid, but the query carries no receipt: Transaction Status, asked by the push's
	// CheckoutRequestID, answers with it; its reply's ConversationID finds this intent. (The
	// simulator answers such a query; whether Daraja does is not documented. If it does
	// not, the intent is given up after maxPolls and the statement reconciliation lists
	// the receipt as missing from the books, for an operator.)
	acc, err := s.client.TransactionStatus(ctx, StatusQuery{OriginatorConversationID: Text(in.CheckoutRequestID),
		ResultURL: s.urls.StatusResult, QueueTimeOutURL: s.urls.StatusTimeout})
	if err != nil {
		return err
	}
	next["status_conversation_id"] = nullable(acc.ConversationID)
	_, _, err = transition(ctx, s.db, in.ID, []string{StatusSent}, StatusSent, "poll", "paid; receipt asked", next)
	return err
}

// Stuck lists what needs a person: intents the poller gave up on (no answer after
// maxPolls), intents still waiting after a day, and money confirmed an hour ago that is
// still not in the books, oldest first. (Callbacks given up on are logged and keep their
// last error as their outcome in mpesa_callbacks.)
func (s *Service) Stuck(ctx context.Context) ([]Intent, error) {
	var out []Intent
	err := s.db.WithContext(ctx).Raw(`SELECT * FROM mpesa_intents
		WHERE (status IN ('new', 'sent', 'unknown') AND (next_poll_at IS NULL OR created_at < ?))
		   OR (status = 'succeeded' AND updated_at < ?)
		ORDER BY id LIMIT 500`, s.now().Add(-24*time.Hour), s.now().Add(-time.Hour)).Scan(&out).Error
	return out, err
}

// Repoll puts an intent the poller gave up on back in its queue, asked about at once.
func (s *Service) Repoll(ctx context.Context, id int64) error {
	in, err := s.IntentByID(ctx, id)
	if err != nil {
		return err
	}
	if in.Status != StatusNew && in.Status != StatusSent && in.Status != StatusUnknown {
		return fmt.Errorf("mpesa: intent %d is %s, not waiting for M-Pesa", id, in.Status)
	}
	_, _, err = transition(ctx, s.db, id, []string{in.Status}, in.Status, "operator", "poll again",
		map[string]any{"polls": 0, "next_poll_at": s.now()})
	return err
}
