package sms

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// MountReports serves Africa's Talking's delivery reports (POST /at/sms/delivery, relative
// to r, which the caller puts behind the webhook token). A report for a message not
// recorded yet (it can beat our own record of the send) answers 404, so AT tries again.
func MountReports(r fiber.Router, o *Outbox, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	r.Post("/at/sms/delivery", func(c *fiber.Ctx) error {
		id := strings.TrimSpace(c.FormValue("id"))
		status := strings.TrimSpace(c.FormValue("status"))
		if id == "" || status == "" {
			return fiber.NewError(fiber.StatusBadRequest, "id and status are required")
		}
		err := o.DeliveryReport(c.UserContext(), id, status, strings.TrimSpace(c.FormValue("failureReason")))
		switch {
		case err == nil:
			return c.SendString("OK")
		case errors.Is(err, ErrNotFound):
			return fiber.NewError(fiber.StatusNotFound, "unknown message id")
		case errors.Is(err, ErrUnknownStatus):
			logger.WarnContext(c.UserContext(), "delivery report with an unknown status", "status", status)
			return c.SendString("OK")
		}
		logger.ErrorContext(c.UserContext(), "delivery report not recorded", "error", err)
		return fiber.NewError(fiber.StatusServiceUnavailable, "not recorded; retry")
	})
}

// MountSandbox serves GET /dev/sms?phone=+2547… (development only): the messages the
// sandbox "sent" to a phone, oldest first, in CONTRACT.md's shape.
func MountSandbox(app fiber.Router, o *Outbox) {
	app.Get("/dev/sms", func(c *fiber.Ctx) error {
		msgs, err := o.Messages(c.UserContext(), c.Query("phone"))
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		if msgs == nil {
			msgs = []Message{}
		}
		return c.JSON(msgs)
	})
}
