// Package aggregator holds the Fiber handlers that speak each USSD aggregator's wire
// format (Africa's Talking, Hubtel, the Kenyan CON/END gateways) and translate every hop
// into a hop.Request for the session engine and its hop.Response back. It also stores
// Africa's Talking end-of-session notifications for analysis. The adapters keep no
// session state and never log what a member typed: a PIN travels in it.
package aggregator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ussd/hop"
)

// The screens the adapters show on their own, in Swahili and English, GSM-7 only.
const (
	screenUnavailable  = "Samahani, huduma haipatikani sasa. Jaribu tena baadaye. / Sorry, the service is unavailable; try again later."
	screenUnknownPhone = "Samahani, nambari hii haitambuliki. / Sorry, this number is not recognised."
	screenTooLong      = "Samahani, ulichoandika ni kirefu mno. / Sorry, your input is too long."
	screenGoodbye      = "Asante. Kwaheri. / Thank you. Goodbye."
)

const (
	// maxInput bounds what a member can have typed in a whole session. Screens take a
	// few digits each and a session lasts at most 180 s, so anything longer is not a
	// member typing; it is refused with a screen before the engine sees it.
	maxInput = 1000
	// maxField bounds the identifiers (session id, service code, network code); they
	// end up in Redis keys and log lines.
	maxField = 128
	// hopTimeout is how long the engine gets per hop. The telco gives up after about
	// 10 s, so an answer later than that reaches nobody.
	hopTimeout = 8 * time.Second
)

// Mount registers the aggregator webhooks on r, which the caller mounts at /hooks behind
// the hook token:
//
//	POST /at/ussd          Africa's Talking hop (form)
//	POST /at/ussd/events   Africa's Talking end-of-session notification (form)
//	POST /hubtel/ussd      Hubtel hop (JSON)
//	GET  /gateway/ussd     Kenyan CON/END gateway hop (query)
//
// h answers every hop. events stores the end-of-session notifications; nil discards
// them. A nil logger means slog.Default().
func Mount(r fiber.Router, h hop.Handler, events EventStore, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	a := &adapter{engine: h, events: events, log: logger}
	r.Post("/at/ussd", a.atHop)
	r.Post("/at/ussd/events", a.atEvent)
	r.Post("/hubtel/ussd", a.hubtelHop)
	r.Get("/gateway/ussd", a.gatewayHop)
}

type adapter struct {
	engine hop.Handler
	events EventStore
	log    *slog.Logger
}

// wireHop is one hop as an adapter read it off the wire, before any check. The *Field
// names are the wire's own, for the 400 reasons.
type wireHop struct {
	aggregator               string
	sessionID, phone         string
	serviceCode, network     string
	input                    string
	fullPath, first          bool
	sessionField, phoneField string
}

// badRequest is a hop so malformed that no screen can be shown for it: the reason goes
// back as a 400 in plain text.
type badRequest string

// answer checks w, runs it through the engine and returns the screen to show. It never
// fails for anything the member or the engine did: a bad phone, an overlong input, an
// engine error or panic all become a polite final screen. Only a hop missing its
// session id or phone is refused, with a badRequest.
func (a *adapter) answer(c *fiber.Ctx, w wireHop) (hop.Response, *badRequest) {
	start := time.Now()
	sessionID := strings.TrimSpace(clean(w.sessionID))
	switch {
	case len(w.sessionID) > maxField:
		return hop.Response{}, refuse(w.sessionField + " too long")
	case sessionID == "":
		return hop.Response{}, refuse("missing " + w.sessionField)
	case strings.TrimSpace(w.phone) == "":
		return hop.Response{}, refuse("missing " + w.phoneField)
	case len(w.serviceCode) > maxField || len(w.network) > maxField:
		return hop.Response{}, refuse("service or network code too long")
	}
	if len(w.input) > maxInput {
		a.log.LogAttrs(c.UserContext(), slog.LevelWarn, "ussd input too long",
			slog.String("aggregator", w.aggregator), slog.String("session", sessionID),
			slog.String("phone", maskRaw(w.phone)), slog.Int("bytes", len(w.input)),
			slog.String("request_id", requestID(c)))
		return hop.Response{Text: screenTooLong, End: true}, nil
	}
	e164, err := phone.Normalize(w.phone)
	if err != nil {
		a.log.LogAttrs(c.UserContext(), slog.LevelWarn, "ussd phone not recognised",
			slog.String("aggregator", w.aggregator), slog.String("session", sessionID),
			slog.String("phone", maskRaw(w.phone)), slog.String("error", err.Error()),
			slog.String("request_id", requestID(c)))
		return hop.Response{Text: screenUnknownPhone, End: true}, nil
	}
	req := hop.Request{
		Aggregator:  w.aggregator,
		SessionID:   sessionID,
		Phone:       e164,
		ServiceCode: strings.TrimSpace(clean(w.serviceCode)),
		Network:     strings.TrimSpace(clean(w.network)),
		Input:       clean(w.input),
		FullPath:    w.fullPath,
		First:       w.first,
	}
	resp, err := a.run(c.UserContext(), req)
	attrs := []slog.Attr{
		slog.String("aggregator", req.Aggregator),
		slog.String("session", req.SessionID),
		slog.String("phone", phone.Mask(req.Phone)),
		slog.Int("hops", hopCount(req.Input)),
		slog.Duration("latency", time.Since(start)),
		slog.String("request_id", requestID(c)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", redact(err.Error(), req.Input)))
		if p, ok := errors.AsType[*panicError](err); ok {
			attrs = append(attrs, slog.String("stack", string(p.stack)))
		}
		a.log.LogAttrs(c.UserContext(), slog.LevelError, "ussd hop failed", attrs...)
		return hop.Response{Text: screenUnavailable, End: true}, nil
	}
	if strings.TrimSpace(resp.Text) == "" {
		resp = hop.Response{Text: screenGoodbye, End: true}
	}
	attrs = append(attrs, slog.Bool("end", resp.End))
	a.log.LogAttrs(c.UserContext(), slog.LevelInfo, "ussd hop", attrs...)
	return resp, nil
}

func refuse(reason string) *badRequest {
	b := badRequest(reason)
	return &b
}

// panicError carries a recovered panic out of run, with the stack where it happened.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// run calls the engine under a deadline and turns a panic into an error: the adapter is
// the last thing between the engine and the aggregator, and the app's recover middleware
// may not be installed (or would answer 500, which AT shows as an error).
func (a *adapter) run(ctx context.Context, req hop.Request) (resp hop.Response, err error) {
	ctx, cancel := context.WithTimeout(ctx, hopTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return a.engine.Hop(ctx, req)
}

// textReply writes a screen the CON/END way (Africa's Talking and the Kenyan gateways).
// The prefix comes from End alone; the text is the engine's, never added to or cut.
func textReply(c *fiber.Ctx, resp hop.Response, bad *badRequest) error {
	if bad != nil {
		return c.Status(fiber.StatusBadRequest).SendString(string(*bad))
	}
	prefix := "CON "
	if resp.End {
		prefix = "END "
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(fiber.StatusOK).SendString(prefix + resp.Text)
}

// clean copies s out of Fiber's request buffer (which is reused after the handler
// returns, while the engine may keep what it was given) and drops what no handset can
// type: control and other non-printable characters and invalid UTF-8.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r != utf8.RuneError || size > 1) && unicode.IsPrint(r) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// hopCount is the number of '*'-separated parts in an input path, the one thing about
// the input that is logged.
func hopCount(input string) int {
	if input == "" {
		return 0
	}
	return strings.Count(input, "*") + 1
}

// redact hides, in an error text about to be logged, the input and every part of it
// long enough to be a PIN, in case the engine quoted what the member typed.
func redact(msg, input string) string {
	if input == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, input, "[input]")
	for part := range strings.SplitSeq(input, "*") {
		if len(part) >= 4 {
			msg = strings.ReplaceAll(msg, part, "[input]")
		}
	}
	return msg
}

// requestID is the id the server's request-id middleware put on the response, when it
// runs; reading the header keeps this package free of the server's internals.
func requestID(c *fiber.Ctx) string {
	return string(c.Response().Header.Peek(fiber.HeaderXRequestID))
}

// innerCode is a service code without its leading '*' and trailing '#': *384*12# and
// 384*12 both give 384*12.
func innerCode(code string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(code), "*"), "#")
}

// afterCode returns what follows the service code in a dial string or path that begins
// with it ("384*12*1*500" after "384*12" is "1*500"), and whether it began with it.
func afterCode(path, inner string) (string, bool) {
	if inner == "" {
		return path, false
	}
	if path == inner {
		return "", true
	}
	if rest, ok := strings.CutPrefix(path, inner+"*"); ok {
		return rest, true
	}
	return path, false
}

// maskRaw masks a phone number that did not normalise, for a log line. Anything longer
// than a number written out in full is hidden whole: it is not a number, and it could
// be anything.
func maskRaw(s string) string {
	if len(s) > 24 {
		return "***"
	}
	return phone.Mask(clean(s))
}
