package sim

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// tokenLife is how long Daraja honours a token; it advertises one second less.
const (
	tokenLife      = 3600 * time.Second
	tokenExpiresIn = "3599"
)

type tokenReply struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   string `json:"expires_in"` // a string on the wire, as Daraja sends it
}

func (s *Sim) handleOAuth(c *fiber.Ctx) error {
	if c.Query("grant_type") != "client_credentials" {
		return s.fail(c, codeGrantType, "Invalid grant type passed")
	}
	user, pass, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
	if !ok || user != s.opts.ConsumerKey || pass != s.opts.ConsumerSecret {
		return s.fail(c, codeAuthType, "Invalid Authentication passed")
	}
	// Tokens come from crypto/rand, not the seeded streams: how often a client renews
	// its token must not change the receipts a script sees.
	token, err := newToken()
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[token] = now.Add(tokenLife)
	s.mu.Unlock()
	return c.JSON(tokenReply{AccessToken: token, ExpiresIn: tokenExpiresIn})
}

// requireBearer guards every Daraja endpoint except OAuth.
func (s *Sim) requireBearer(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if ok {
		s.mu.Lock()
		exp, known := s.tokens[strings.TrimSpace(token)]
		s.mu.Unlock()
		if known && s.now().Before(exp) {
			return c.Next()
		}
	}
	return s.fail(c, codeInvalidToken, "Invalid Access Token")
}

func basicAuth(header string) (user, pass string, ok bool) {
	enc, ok := strings.CutPrefix(header, "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := decodeBase64(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// newToken makes a 28-character token shaped like Daraja's ("c9SQxWWhmdVRlyh0zh8gZDTkubVF").
func newToken() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 28)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}
