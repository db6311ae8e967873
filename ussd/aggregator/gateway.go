package aggregator

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// gatewayHop answers a Kenyan CON/END gateway hop (Advanta/JazaAfrica, Crossgate and the
// like): a GET whose ussd_string is the session's input path joined by '*'.
//
// Some gateways put the service code's digits in front of the path ("384*12*1*500" for
// *384*12#, sometimes written "*384*12*1*500#"), others do not ("1*500"). A leading copy
// of the code's inner digits is stripped, so the engine always gets the member's inputs
// only. The cost: on a gateway that does not send the code, a first input equal to the
// whole code's digits would be read as the code. Codes have three digits or more and a
// first input is a menu choice or sub-code, so that does not happen in practice.
func (a *adapter) gatewayHop(c *fiber.Ctx) error {
	serviceCode := c.Query("service_code")
	resp, bad := a.answer(c, wireHop{
		aggregator:   "gateway",
		sessionID:    c.Query("session_id"),
		phone:        c.Query("msisdn"),
		serviceCode:  serviceCode,
		network:      c.Query("network_code"),
		input:        gatewayPath(c.Query("ussd_string"), serviceCode),
		fullPath:     true,
		sessionField: "session_id",
		phoneField:   "msisdn",
	})
	return textReply(c, resp, bad)
}

// gatewayPath strips a leading copy of the service code from a gateway's ussd_string.
// The dial form's '*' and '#' are only removed when the code is found after them, so
// a member's own '#' or '*' input is otherwise left for the engine.
func gatewayPath(ussd, serviceCode string) string {
	inner := innerCode(serviceCode)
	if rest, ok := afterCode(ussd, inner); ok {
		return rest
	}
	dial := strings.TrimSuffix(strings.TrimPrefix(ussd, "*"), "#")
	if dial != ussd {
		if rest, ok := afterCode(dial, inner); ok {
			return rest
		}
	}
	return ussd
}
