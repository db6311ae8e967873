package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// The control API (CONTRACT.md, "Development only") lets tests and demos play the
// customers. Its errors are {"error":"…"} with 400, 404 or 409; they are ours, not
// Daraja's, so they do not imitate Daraja's shape.

func controlError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

// decodeStrict refuses unknown fields, so a misspelt fault or field fails loudly
// instead of silently doing nothing.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("bad JSON body: trailing data")
	}
	return nil
}

// customerBody is PUT /simulator/customers/{msisdn}. Fields left out keep their current
// value (for a new customer: 100000.00, accept, JOHN DOE). name is the simulator's own
// addition: it is what results show as the customer's public name.
type customerBody struct {
	Balance   *flexString `json:"balance,omitempty"`
	Behaviour *string     `json:"behaviour,omitempty"`
	Name      *string     `json:"name,omitempty"`
}

type customerView struct {
	MSISDN    string `json:"msisdn"`
	Balance   string `json:"balance"`
	Behaviour string `json:"behaviour"`
	Name      string `json:"name"`
}

func (c *customer) view() customerView {
	return customerView{MSISDN: c.msisdn, Balance: c.balance.StringFixed(2), Behaviour: string(c.behaviour), Name: c.name}
}

func (s *Sim) handlePutCustomer(c *fiber.Ctx) error {
	msisdn, ok := normalMSISDN(c.Params("msisdn"))
	if !ok {
		return controlError(c, fiber.StatusBadRequest, "msisdn must look like 2547XXXXXXXX")
	}
	var body customerBody
	if err := decodeStrict(c.Body(), &body); err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	var balance decimal.Decimal
	if body.Balance != nil {
		b, err := decimal.NewFromString(string(*body.Balance))
		if err != nil || b.IsNegative() || !b.Equal(b.Round(2)) {
			return controlError(c, fiber.StatusBadRequest, "balance must be a non-negative amount with at most 2 decimals, like \"5000.00\"")
		}
		balance = b
	}
	var beh behaviour
	if body.Behaviour != nil {
		b, err := parseBehaviour(*body.Behaviour, true)
		if err != nil {
			return controlError(c, fiber.StatusBadRequest, err.Error())
		}
		beh = b
	}
	if body.Name != nil && strings.TrimSpace(*body.Name) == "" {
		return controlError(c, fiber.StatusBadRequest, "name must not be empty")
	}

	s.mu.Lock()
	cust := s.customerLocked(msisdn)
	if body.Balance != nil {
		cust.balance = balance
	}
	if body.Behaviour != nil {
		cust.behaviour = beh
	}
	if body.Name != nil {
		cust.name = strings.ToUpper(strings.TrimSpace(*body.Name))
	}
	v := cust.view()
	s.mu.Unlock()
	s.log.Info("customer scripted", "phone", maskMSISDN(msisdn), "balance", v.Balance, "behaviour", v.Behaviour)
	return c.JSON(v)
}

// handleGetCustomer is the simulator's own addition, so tests can see a wallet.
func (s *Sim) handleGetCustomer(c *fiber.Ctx) error {
	msisdn, ok := normalMSISDN(c.Params("msisdn"))
	if !ok {
		return controlError(c, fiber.StatusBadRequest, "msisdn must look like 2547XXXXXXXX")
	}
	s.mu.Lock()
	v := s.customerLocked(msisdn).view()
	s.mu.Unlock()
	return c.JSON(v)
}

type respondBody struct {
	Outcome string `json:"outcome"`
}

// handleRespond answers a pending PIN prompt; it works for any pending push, not only a
// manual customer's, so a test can beat the timer.
func (s *Sim) handleRespond(c *fiber.Ctx) error {
	var body respondBody
	if err := decodeStrict(c.Body(), &body); err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	outcome, err := parseBehaviour(body.Outcome, false)
	if err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	id := c.Params("checkout")
	s.mu.Lock()
	p, ok := s.pushes[id]
	s.mu.Unlock()
	if !ok {
		return controlError(c, fiber.StatusNotFound, "no STK push "+id)
	}
	if !s.finishSTK(p, outcome, false) {
		return controlError(c, fiber.StatusConflict, "STK push "+id+" has already ended")
	}
	s.mu.Lock()
	code := p.outcome.code
	s.mu.Unlock()
	return c.JSON(fiber.Map{"CheckoutRequestID": id, "ResultCode": code})
}

type payBody struct {
	MSISDN  string     `json:"msisdn"`
	Amount  flexString `json:"amount"`
	BillRef string     `json:"bill_ref"`
}

// handleC2BPay runs a paybill payment to its end (validation included) and reports what
// happened: {"trans_id","status":"completed|rejected|cancelled|failed","result_code","reason"}.
// The confirmation callback is sent afterwards, under the faults.
func (s *Sim) handleC2BPay(c *fiber.Ctx) error {
	var body payBody
	if err := decodeStrict(c.Body(), &body); err != nil {
		return controlError(c, fiber.StatusBadRequest, err.Error())
	}
	msisdn, ok := normalMSISDN(body.MSISDN)
	if !ok {
		return controlError(c, fiber.StatusBadRequest, "msisdn must look like 2547XXXXXXXX")
	}
	amount, ok := wholeShillings(string(body.Amount))
	if !ok || amount.GreaterThan(c2bMaxAmount) {
		return controlError(c, fiber.StatusBadRequest, "amount must be whole shillings from 1 to 250000")
	}
	if len(body.BillRef) > maxBillRef {
		return controlError(c, fiber.StatusBadRequest, "bill_ref is at most 20 characters")
	}
	return c.JSON(s.payBill(msisdn, amount, body.BillRef))
}
