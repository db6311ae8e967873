package aggregator

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/phone"
)

// SessionEvent is an aggregator's report that a USSD session ended, kept for analysis
// (drop-offs, failures, cost).
//
// It has no field for the member's input: Africa's Talking's `input` carries every
// answer of the session, PINs included, and a table kept for statistics is no place for
// them. InputParts, the number of '*'-separated parts, is all that is kept of it.
type SessionEvent struct {
	Aggregator   string // "at"
	SessionID    string
	Phone        string // E.164, or the number as sent when it does not normalise
	ServiceCode  string
	NetworkCode  string
	Status       string // AT: Success, Incomplete or Failed
	Cost         string // as sent, e.g. "KES 0.0000"
	Date         string // as sent, yyyy-MM-dd HH:mm:ss
	Hops         int    // the aggregator's hop count; 0 when absent or unreadable
	InputParts   int
	DurationMS   int64 // 0 when absent or unreadable
	ErrorMessage string
	LastResponse string // our last screen, as the aggregator saw it
}

// EventStore keeps session events. Saving the same (aggregator, session, status) twice
// keeps one: aggregators retry their callbacks.
type EventStore interface {
	SaveEvent(ctx context.Context, e SessionEvent) error
}

// NewPostgresEventStore stores events in the ussd_session_events table.
func NewPostgresEventStore(db *gorm.DB) EventStore {
	return postgresEvents{db: db}
}

type postgresEvents struct{ db *gorm.DB }

func (s postgresEvents) SaveEvent(ctx context.Context, e SessionEvent) error {
	err := s.db.WithContext(ctx).Exec(`
		INSERT INTO ussd_session_events
			(aggregator, session_id, phone, service_code, network_code, status, cost,
			 event_date, hops, input_parts, duration_ms, error_message, last_response)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (aggregator, session_id, status) DO NOTHING`,
		e.Aggregator, e.SessionID, e.Phone, e.ServiceCode, e.NetworkCode, e.Status, e.Cost,
		e.Date, e.Hops, e.InputParts, e.DurationMS, e.ErrorMessage, e.LastResponse).Error
	if err != nil {
		return fmt.Errorf("save ussd session event: %w", err)
	}
	return nil
}

// Bounds on what an event may put in a row; longer values are cut.
const (
	maxEventField    = 128
	maxEventResponse = 1000
)

// atEvent stores an Africa's Talking end-of-session notification. It always answers 200:
// AT would otherwise retry, and a notification we cannot store is worth a log line, not
// a retry storm. Nothing of the input is logged or stored beyond its number of parts.
func (a *adapter) atEvent(c *fiber.Ctx) error {
	rawPhone := c.FormValue("phoneNumber")
	e := SessionEvent{
		Aggregator:   "at",
		SessionID:    field(c.FormValue("sessionId"), maxEventField),
		Phone:        field(rawPhone, maxEventField),
		ServiceCode:  field(c.FormValue("serviceCode"), maxEventField),
		NetworkCode:  field(c.FormValue("networkCode"), maxEventField),
		Status:       field(c.FormValue("status"), maxEventField),
		Cost:         field(c.FormValue("cost"), maxEventField),
		Date:         field(c.FormValue("date"), maxEventField),
		Hops:         int(number(c.FormValue("hopsCount"), math.MaxInt32)),
		InputParts:   hopCount(c.FormValue("input")),
		DurationMS:   number(c.FormValue("durationInMillis"), math.MaxInt64),
		ErrorMessage: field(c.FormValue("errorMessage"), maxEventResponse),
		LastResponse: field(c.FormValue("lastAppResponse"), maxEventResponse),
	}
	if n, err := phone.Normalize(rawPhone); err == nil {
		e.Phone = n
	}
	attrs := []slog.Attr{
		slog.String("aggregator", e.Aggregator),
		slog.String("session", e.SessionID),
		slog.String("phone", maskRaw(e.Phone)),
		slog.String("status", e.Status),
		slog.Int("hops", e.Hops),
		slog.Int64("duration_ms", e.DurationMS),
		slog.String("request_id", requestID(c)),
	}
	switch {
	case e.SessionID == "":
		a.log.LogAttrs(c.UserContext(), slog.LevelWarn, "ussd session event without sessionId dropped", attrs...)
	case a.events == nil:
		a.log.LogAttrs(c.UserContext(), slog.LevelInfo, "ussd session event (not stored)", attrs...)
	default:
		if err := a.events.SaveEvent(c.UserContext(), e); err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
			a.log.LogAttrs(c.UserContext(), slog.LevelError, "ussd session event not stored", attrs...)
		} else {
			a.log.LogAttrs(c.UserContext(), slog.LevelInfo, "ussd session event", attrs...)
		}
	}
	return c.Status(fiber.StatusOK).SendString("OK")
}

// field cleans a form value and cuts it to at most n bytes, on a character boundary.
func field(s string, n int) string {
	s = strings.TrimSpace(clean(s))
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// number reads a whole count of at most limit from a form value, accepting "1234" and
// "1234.0"; anything else, negative or above limit reads as 0.
func number(s string, limit int64) int64 {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > limit {
			return 0
		}
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= float64(limit) {
		return 0
	}
	return int64(f)
}
