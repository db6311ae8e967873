package mpesa

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

const (
	// tokenLifetime is what Daraja promises when expires_in is missing.
	tokenLifetime = 3600 * time.Second
	// renewEarly is how long before expiry the token is replaced, so that a request
	// never leaves with a token that dies on the way.
	renewEarly = 60 * time.Second
)

// tokenSource caches the OAuth token and fetches a new one when it is due. However many
// callers find it due at once, one fetch runs and all of them wait for it.
type tokenSource struct {
	fetch   func(context.Context) (string, time.Duration, error)
	now     func() time.Time
	timeout time.Duration

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	inflight *tokenFetch
}

// tokenFetch is one fetch in progress; done closes when token and err are set.
type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.now().Before(s.renewAt) {
		t := s.token
		s.mu.Unlock()
		return t, nil
	}
	f := s.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		s.inflight = f
		// The fetch outlives the caller who started it, so that one caller giving up
		// does not fail the others waiting for the same token.
		go s.run(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *tokenSource) run(ctx context.Context, f *tokenFetch) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := s.now()
	tok, life, err := s.fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		early := renewEarly
		if life < 2*early {
			early = life / 2
		}
		s.token, s.renewAt = tok, start.Add(life-early)
	}
	f.token, f.err = tok, err
	s.inflight = nil
	close(f.done)
}

// invalidate forgets tok after Daraja refused it, unless a newer token replaced it.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == tok {
		s.token = ""
	}
}

// fetchToken asks Daraja for a token with the consumer key and secret.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/oauth/v1/generate?grant_type=client_credentials", nil)
	if err != nil {
		return "", 0, err
	}
	req.SetBasicAuth(c.key, c.secret)
	req.Header.Set("Accept", "application/json")
	status, raw, err := c.do(req)
	if err != nil {
		return "", 0, err
	}
	var reply struct {
		AccessToken string     `json:"access_token"`
		ExpiresIn   FlexString `json:"expires_in"`
	}
	if err := decodeReply(status, raw, &reply); err != nil {
		return "", 0, err
	}
	// The body holds a token, so the error describes it instead of quoting it.
	if reply.AccessToken == "" {
		return "", 0, &APIError{HTTPStatus: status, Message: "token reply without access_token"}
	}
	life := tokenLifetime
	if s := strings.TrimSpace(string(reply.ExpiresIn)); s != "" {
		secs, err := parseNumber(s) // "3599", 3599, even 3599.0
		if err != nil || secs.IsNegative() {
			return "", 0, &APIError{HTTPStatus: status, Message: fmt.Sprintf("token reply with expires_in %.20q", s)}
		}
		// A lifetime beyond a day is not Daraja's; capping it first keeps IntPart in range.
		life = time.Duration(decimal.Min(secs, decimal.NewFromInt(86400)).IntPart()) * time.Second
	}
	return reply.AccessToken, life, nil
}
