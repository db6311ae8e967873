package aggregator

import (
	"github.com/gofiber/fiber/v2"
)

// atHop answers an Africa's Talking hop. AT posts a form whose text is every input of
// the session so far joined by '*' (empty on the first hop unless a shortcut was
// dialled), so it maps to a FullPath request; First is left false because AT does not
// say which hop is the first, and the engine knows from its own session state.
func (a *adapter) atHop(c *fiber.Ctx) error {
	resp, bad := a.answer(c, wireHop{
		aggregator:   "at",
		sessionID:    c.FormValue("sessionId"),
		phone:        c.FormValue("phoneNumber"),
		serviceCode:  c.FormValue("serviceCode"),
		network:      c.FormValue("networkCode"),
		input:        c.FormValue("text"),
		fullPath:     true,
		sessionField: "sessionId",
		phoneField:   "phoneNumber",
	})
	return textReply(c, resp, bad)
}
