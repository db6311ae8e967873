package aggregator

import (
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/ussd/hop"
)

// hubtelRequest is Hubtel's JSON hop. Sequence is a number on the wire; it is read
// loosely because nothing here depends on it.
type hubtelRequest struct {
	SessionID   string          `json:"SessionId"`
	Mobile      string          `json:"Mobile"`
	ServiceCode string          `json:"ServiceCode"`
	Type        string          `json:"Type"`
	Message     string          `json:"Message"`
	Operator    string          `json:"Operator"`
	Sequence    json.RawMessage `json:"Sequence"`
	ClientState string          `json:"ClientState"`
}

// hubtelReply is Hubtel's JSON answer. ClientState is always empty: the engine keeps
// the session in Redis, and echoing a field the caller controls buys nothing.
type hubtelReply struct {
	Type        string `json:"Type"`
	Message     string `json:"Message"`
	ClientState string `json:"ClientState"`
}

const (
	hubtelInitiation = "Initiation"
	hubtelResponse   = "Response"
	hubtelRelease    = "Release"
	hubtelTimeout    = "Timeout"
)

// hubtelHop answers a Hubtel hop. Hubtel sends only the latest input, so hops map to
// requests without FullPath, and Initiation marks First.
//
// On Initiation the Message is the dial string. When the member dialled a shortcut
// ("*384*12*1*500#" on ServiceCode "*384*12#" or "384*12"), what follows the code is
// passed as Input "1*500" with FullPath true, for that first hop only, so the engine
// walks the shortcut exactly as it does for Africa's Talking; without a shortcut the
// Input is empty and FullPath false. Release and Timeout end the session on Hubtel's
// side: they are answered with an empty Release and the engine is not called.
func (a *adapter) hubtelHop(c *fiber.Ctx) error {
	var in hubtelRequest
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return c.Status(fiber.StatusBadRequest).SendString("malformed JSON")
	}
	w := wireHop{
		aggregator:   "hubtel",
		sessionID:    in.SessionID,
		phone:        in.Mobile,
		serviceCode:  in.ServiceCode,
		network:      in.Operator,
		sessionField: "SessionId",
		phoneField:   "Mobile",
	}
	switch {
	case strings.EqualFold(in.Type, hubtelRelease), strings.EqualFold(in.Type, hubtelTimeout):
		a.log.LogAttrs(c.UserContext(), slog.LevelInfo, "ussd session ended by aggregator",
			slog.String("aggregator", w.aggregator), slog.String("session", clean(truncate(in.SessionID, maxField))),
			slog.String("phone", maskRaw(in.Mobile)), slog.String("type", clean(truncate(in.Type, 16))),
			slog.String("request_id", requestID(c)))
		return c.JSON(hubtelReply{Type: hubtelRelease})
	case strings.EqualFold(in.Type, hubtelInitiation):
		w.first = true
		if rest, ok := afterCode(innerCode(in.Message), innerCode(in.ServiceCode)); ok && rest != "" {
			w.input, w.fullPath = rest, true
		}
		if len(in.Message) > maxInput {
			w.input = in.Message // refused as too long by answer
		}
	case strings.EqualFold(in.Type, hubtelResponse):
		w.input = in.Message
	default:
		return c.Status(fiber.StatusBadRequest).SendString("unknown Type")
	}
	resp, bad := a.answer(c, w)
	if bad != nil {
		return c.Status(fiber.StatusBadRequest).SendString(string(*bad))
	}
	return c.JSON(hubtelAnswer(resp))
}

func hubtelAnswer(resp hop.Response) hubtelReply {
	if resp.End {
		return hubtelReply{Type: hubtelRelease, Message: resp.Text}
	}
	return hubtelReply{Type: hubtelResponse, Message: resp.Text}
}

// truncate cuts s to at most n bytes, for log lines about requests not otherwise checked.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
