package httpserver

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = fiber.HeaderXRequestID

type requestIDKey struct{}

// requestID takes the caller's X-Request-Id when it looks like an id, so one id follows
// a request through a proxy, and makes one otherwise. Anything longer or stranger is
// replaced: it would be copied into every log line.
func requestID(c *fiber.Ctx) error {
	id := c.Get(HeaderRequestID)
	if validRequestID(id) {
		id = string([]byte(id)) // Fiber reuses the header's buffer after the request
	} else {
		id = uuid.NewString()
	}
	c.Locals(requestIDKey{}, id)
	c.Set(HeaderRequestID, id)
	return c.Next()
}

// RequestID is the id of the request c is serving, for handlers' log lines.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey{}).(string)
	return id
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
		default:
			return false
		}
	}
	return true
}
