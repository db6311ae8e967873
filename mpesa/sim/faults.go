package sim

import (
	"errors"

	"github.com/gofiber/fiber/v2"
)

// faults are the misbehaviours of Daraja's callbacks that reconciliation must survive.
// The first four fields are CONTRACT.md's; the last two are the simulator's own:
//   - callback_before_reply: the STK callback is delivered before the push's HTTP reply
//     returns, as happens when our database commit is slower than Safaricom.
//   - b2c_queue_timeout: the probability that a B2C payment is processed but reported to
//     QueueTimeOutURL instead of ResultURL, so only Transaction Status can tell.
//
// PUT replaces the whole set: a field left out is zero.
type faults struct {
	DropCallbacks       float64 `json:"drop_callbacks"`
	DuplicateCallbacks  float64 `json:"duplicate_callbacks"`
	DelayMS             int     `json:"delay_ms"`
	Reorder             bool    `json:"reorder"`
	CallbackBeforeReply bool    `json:"callback_before_reply"`
	B2CQueueTimeout     float64 `json:"b2c_queue_timeout"`
}

func (f faults) validate() error {
	for _, p := range []float64{f.DropCallbacks, f.DuplicateCallbacks, f.B2CQueueTimeout} {
		if !(p >= 0 && p <= 1) { // also refuses NaN
			return errors.New("probabilities must be between 0 and 1")
		}
	}
	if f.DelayMS < 0 {
		return errors.New("delay_ms must not be negative")
	}
	return nil
}

// chanceLocked draws from the fault stream only when the fault is on, so a run with no
// faults draws nothing and a run with faults is reproducible from the seed.
func (s *Sim) chanceLocked(p float64) bool {
	switch {
	case p <= 0:
		return false
	case p >= 1:
		return true
	default:
		return s.faultRn.Float64() < p
	}
}

func (s *Sim) handlePutFaults(c *fiber.Ctx) error {
	var f faults
	if err := decodeStrict(c.Body(), &f); err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	if err := f.validate(); err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	s.log.Info("faults set", "drop", f.DropCallbacks, "duplicate", f.DuplicateCallbacks, "delay_ms", f.DelayMS,
		"reorder", f.Reorder, "callback_before_reply", f.CallbackBeforeReply, "b2c_queue_timeout", f.B2CQueueTimeout)
	return c.JSON(f)
}

func (s *Sim) handleGetFaults(c *fiber.Ctx) error {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	return c.JSON(f)
}
