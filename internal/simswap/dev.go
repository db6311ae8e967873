package simswap

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/internal/phone"
)

// MountDev serves POST /dev/sim-swap (development only): phone=07…, and at= an RFC 3339
// time (now when absent) records that the number's SIM changed, as a telco would report
// it, so the hold on payouts and approvals can be tried from kikundi dial.
func MountDev(app fiber.Router, s Sandbox) {
	app.Post("/dev/sim-swap", func(c *fiber.Ctx) error {
		e164, err := phone.Normalize(c.FormValue("phone"))
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		at := time.Now()
		if v := c.FormValue("at"); v != "" {
			if at, err = time.Parse(time.RFC3339, v); err != nil {
				return fiber.NewError(fiber.StatusBadRequest, "at: want an RFC 3339 time, e.g. 2026-11-22T09:00:00+03:00")
			}
		}
		if err := s.Record(c.UserContext(), e164, at); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"phone": e164, "swapped_at": at.UTC().Format(time.RFC3339)})
	})
}
