package sim

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// behaviour is how a scripted customer answers an STK PIN prompt. The names are part of
// the control API (CONTRACT.md).
type behaviour string

const (
	behaviourAccept       behaviour = "accept"
	behaviourCancel       behaviour = "cancel"
	behaviourWrongPIN     behaviour = "wrong_pin"
	behaviourTimeout      behaviour = "timeout"
	behaviourInsufficient behaviour = "insufficient"
	behaviourManual       behaviour = "manual"
	// behaviourUnregistered is a number with no M-Pesa account: a push cannot reach it,
	// and a B2C payment to it fails with 2040. An addition to CONTRACT.md's list, for
	// testing failed payouts.
	behaviourUnregistered behaviour = "unregistered"
)

// stkOutcome is Daraja's answer for each way a prompt can end.
type stkOutcome struct {
	code int
	desc string
}

var (
	stkSuccess      = stkOutcome{0, "The service request is processed successfully."}
	stkInsufficient = stkOutcome{1, "The balance is insufficient for the transaction."}
	stkOutcomes     = map[behaviour]stkOutcome{
		behaviourAccept:       stkSuccess,
		behaviourCancel:       {1032, "Request cancelled by user"},
		behaviourWrongPIN:     {2001, "The initiator information is invalid."},
		behaviourTimeout:      {1037, "DS timeout user cannot be reached"},
		behaviourInsufficient: stkInsufficient,
		behaviourUnregistered: {1037, "DS timeout user cannot be reached"},
	}
)

// parseBehaviour accepts every behaviour; outcomes (what respond takes) are the same
// names without manual.
func parseBehaviour(v string, allowManual bool) (behaviour, error) {
	b := behaviour(v)
	if _, ok := stkOutcomes[b]; ok || (allowManual && b == behaviourManual) {
		return b, nil
	}
	if allowManual {
		return "", fmt.Errorf("behaviour %q is not one of accept, cancel, wrong_pin, timeout, insufficient, manual", v)
	}
	return "", fmt.Errorf("outcome %q is not one of accept, cancel, wrong_pin, timeout, insufficient", v)
}

// Unscripted customers exist as soon as they are mentioned, with this much money, and
// accept every prompt.
var defaultCustomerBalance = decimal.RequireFromString("100000.00")

// defaultCustomerName is the name Safaricom's sandbox gives its test customers.
const defaultCustomerName = "JOHN DOE"

// customer is a simulated M-Pesa wallet.
type customer struct {
	msisdn    string
	name      string
	balance   decimal.Decimal
	behaviour behaviour
}

// customerLocked returns the wallet for msisdn, opening an unscripted one if needed.
func (s *Sim) customerLocked(msisdn string) *customer {
	c, ok := s.customers[msisdn]
	if !ok {
		c = &customer{msisdn: msisdn, name: defaultCustomerName, balance: defaultCustomerBalance, behaviour: behaviourAccept}
		s.customers[msisdn] = c
	}
	return c
}

// publicName is how M-Pesa shows a customer to an organisation: "254705912645 - NAME".
func (c *customer) publicName() string { return c.msisdn + " - " + c.name }

// orgAccounts are the organisation's M-Pesa accounts: collections land in the working
// account (the paybill), B2C pays out of the utility account. The simulator charges no
// fees, so the charges-paid account stays at zero and the statement adds up exactly.
type orgAccounts struct {
	working decimal.Decimal
	utility decimal.Decimal
}

// total is the organisation's balance as its statement shows it.
func (a orgAccounts) total() decimal.Decimal { return a.working.Add(a.utility) }

// orgName is the organisation's public name in results ("174379 - KIKUNDI").
const orgName = "KIKUNDI"

func (s *Sim) orgPublicName() string { return s.opts.Shortcode + " - " + orgName }
