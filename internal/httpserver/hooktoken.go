package httpserver

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"
)

// ErrInvalidToken answers a webhook whose ?token= is missing or wrong.
var ErrInvalidToken = fiber.NewError(fiber.StatusUnauthorized, "invalid token")

// RequireHookToken lets a request through only when its ?token= equals token, and
// answers 401 otherwise before any handler runs. Both sides are hashed before the
// constant-time comparison so neither the content nor the length of the secret leaks
// through timing. An empty token lets nothing through. The token is never logged: the
// access log names routes, not queries.
func RequireHookToken(token string) fiber.Handler {
	want := sha256.Sum256([]byte(token))
	return func(c *fiber.Ctx) error {
		got := sha256.Sum256([]byte(c.Query("token")))
		if token == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return ErrInvalidToken
		}
		return c.Next()
	}
}
