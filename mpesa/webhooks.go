package mpesa

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/kikundi/kikundi/internal/tasks"
)

// Callback kinds, as stored.
const (
	CallbackSTK           = "stk"
	CallbackValidation    = "c2b_validation"
	CallbackConfirmation  = "c2b_confirmation"
	CallbackB2CResult     = "b2c_result"
	CallbackB2CTimeout    = "b2c_timeout"
	CallbackStatusResult  = "status_result"
	CallbackStatusTimeout = "status_timeout"
)

// KnownGroup tells C2B validation whether an account reference names a group.
type KnownGroup func(ctx context.Context, code string) (bool, error)

var accepted = []byte(`{"ResultCode":0,"ResultDesc":"Accepted"}`)

// Mount serves Daraja's callbacks (CONTRACT.md's /hooks/daraja/…) on r, which the caller
// has put behind the webhook token. Every body is stored exactly as it came, before
// anything is made of it, then acknowledged with 200 at once; a worker settles it. A body
// that cannot be parsed is still stored and acknowledged: it is reported by the worker,
// never posted, and never crashes anything.
func (s *Service) Mount(r fiber.Router, known KnownGroup) {
	store := func(kind string, ack func() []byte) fiber.Handler {
		return func(c *fiber.Ctx) error {
			id, err := s.storeCallback(c.UserContext(), kind, c.IP(), c.Body())
			if err != nil {
				s.log.ErrorContext(c.UserContext(), "callback not stored", "kind", kind, "err", err)
				return fiber.NewError(fiber.StatusServiceUnavailable, "not stored; polling will recover it")
			}
			s.enqueueSettle(c.UserContext(), id)
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(ack())
		}
	}
	ok := func() []byte { return accepted }
	r.Post("/stk", store(CallbackSTK, ok))
	r.Post("/c2b/confirmation", store(CallbackConfirmation, C2BConfirmationAck))
	r.Post("/b2c/result", store(CallbackB2CResult, ok))
	r.Post("/b2c/timeout", store(CallbackB2CTimeout, ok))
	r.Post("/status/result", store(CallbackStatusResult, ok))
	r.Post("/status/timeout", store(CallbackStatusTimeout, ok))
	r.Post("/c2b/validation", func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		if _, err := s.storeCallback(ctx, CallbackValidation, c.IP(), c.Body()); err != nil {
			s.log.WarnContext(ctx, "validation not stored", "err", err)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		p, err := ParseC2B(c.Body())
		if err != nil {
			return c.Send(C2BReject(C2BOtherError))
		}
		group, _ := ParseAccount(p.BillRefNumber)
		if group == "" {
			return c.Send(C2BReject(C2BInvalidAccount))
		}
		exists, err := known(ctx, group)
		if err != nil {
			// Unable to look: accept, and let settlement put it in suspense if it must;
			// refusing would send the customer's money back for our fault.
			s.log.WarnContext(ctx, "validation could not check the account", "err", err)
			return c.Send(C2BAccept())
		}
		if !exists {
			return c.Send(C2BReject(C2BInvalidAccount))
		}
		return c.Send(C2BAccept())
	})
}

func (s *Service) storeCallback(ctx context.Context, kind, remote string, body []byte) (int64, error) {
	var id int64
	raw := append([]byte(nil), body...) // fiber reuses its buffers
	err := s.db.WithContext(ctx).Raw(`INSERT INTO mpesa_callbacks (kind, remote_addr, body) VALUES (?, ?, ?) RETURNING id`,
		kind, remote, raw).Scan(&id).Error
	return id, err
}

func (s *Service) enqueueSettle(ctx context.Context, id int64) {
	if s.queue == nil {
		return
	}
	if _, err := s.queue.Enqueue(tasks.NewMpesaSettleTask(id)); err != nil &&
		!errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		s.log.WarnContext(ctx, "callback stored but not queued; the sweep will settle it", "callback", id, "err", err)
	}
}
