package mpesa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/internal/phone"
)

// Purposes of money coming in.
const (
	ForContribution = "contribution"
	ForRepayment    = "repayment"
	ForCashDeposit  = "cash_deposit" // an official paying in cash held from meetings
)

// Collection asks a member to pay a group by STK push.
type Collection struct {
	Group   string // the group's code: the push's AccountReference
	Phone   string
	Amount  decimal.Decimal // whole shillings
	Purpose string          // ForContribution, ForRepayment or ForCashDeposit
	Loan    int64           // for a repayment; 0: the member's loan in progress
}

// firstPoll is how long a pushed request waits for its callback before it is queried.
const firstPoll = 30 * time.Second

// Collect commits an intent, then sends the STK push: the member's phone shows the PIN
// prompt. The intent is in the database before the request leaves, so a callback that
// beats the reply still finds it (by CheckoutRequestID as soon as the reply is recorded).
// A push M-Pesa refuses marks the intent failed and returns the error.
func (s *Service) Collect(ctx context.Context, c Collection) (Intent, error) {
	e164, err := phone.Normalize(c.Phone)
	if err != nil {
		return Intent{}, err
	}
	if !c.Amount.Equal(c.Amount.Truncate(0)) || c.Amount.LessThan(decimal.NewFromInt(MinSTKAmount)) || c.Amount.GreaterThan(decimal.NewFromInt(MaxSTKAmount)) {
		return Intent{}, fmt.Errorf("%w: an STK push is 1 to 250,000 whole shillings", ErrInvalidAmount)
	}
	if c.Purpose != ForRepayment && c.Purpose != ForCashDeposit {
		c.Purpose = ForContribution
	}
	in := Intent{Kind: KindSTK, Status: StatusNew, GroupCode: &c.Group, Phone: &e164, Amount: c.Amount, Purpose: c.Purpose, AccountRef: &c.Group}
	if c.Loan != 0 {
		in.SubjectID = &c.Loan
	}
	if in, err = insertIntent(ctx, s.db, in, "request", "stk push"); err != nil {
		return Intent{}, fmt.Errorf("record intent: %w", err)
	}
	desc := map[string]string{ForContribution: "Mchango", ForRepayment: "Rejesho", ForCashDeposit: "Taslimu"}[c.Purpose]
	acc, err := s.client.STKPush(ctx, STKPush{Phone: e164, Amount: c.Amount, AccountReference: c.Group, Description: desc, CallbackURL: s.urls.STK})
	// What M-Pesa answered is recorded even if the caller has given up waiting.
	rec := context.WithoutCancel(ctx)
	if err != nil {
		// Refused before sending, or by Daraja: nothing was pushed. A transport error may
		// have pushed anyway: the intent stays new, and a callback that then arrives
		// matching no intent is booked to suspense rather than lost.
		to, set := StatusFailed, map[string]any{"result_desc": trimDesc(err.Error())}
		var api *APIError
		if !errors.As(err, &api) && !errors.Is(err, ErrInvalidRequest) && !errors.Is(err, ErrInvalidAmount) {
			to, set = StatusNew, map[string]any{"next_poll_at": s.now().Add(notYetFor)}
		}
		if _, _, terr := transition(rec, s.db, in.ID, []string{StatusNew}, to, "request", err.Error(), set); terr != nil {
			s.log.ErrorContext(ctx, "stk push failed and could not be recorded", "intent", in.ID, "err", terr)
		}
		return in, err
	}
	in, _, err = transition(rec, s.db, in.ID, []string{StatusNew}, StatusSent, "request", "accepted", map[string]any{
		"checkout_request_id": acc.CheckoutRequestID, "merchant_request_id": acc.MerchantRequestID,
		"next_poll_at": s.now().Add(firstPoll),
	})
	return in, err
}

func trimDesc(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
