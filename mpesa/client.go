package mpesa

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config is what the client needs to speak to Daraja; internal/config's Daraja* fields
// fill it. Passkey is needed only for STK, and Initiator, InitiatorPassword and CertPEM
// only for the calls that carry a SecurityCredential.
type Config struct {
	BaseURL           string // https://sandbox.safaricom.co.ke, or the simulator's address
	ConsumerKey       string
	ConsumerSecret    string
	Shortcode         string // paybill or till; digits
	Passkey           string
	Initiator         string
	InitiatorPassword string
	CertPEM           []byte        // Safaricom's X.509 certificate, PEM
	Timeout           time.Duration // bounds each call, retries included; 15 s if zero
	HTTPClient        *http.Client  // http.DefaultClient if nil
	Now               func() time.Time
}

// DefaultTimeout bounds a call when Config.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// Calls safe to repeat are tried at most maxTries times, waiting firstBackoff, then
// twice as long, between tries.
const (
	maxTries     = 3
	firstBackoff = 100 * time.Millisecond
	maxBody      = 1 << 20
)

// Client speaks to Daraja. It is safe for concurrent use; one client per process shares
// one OAuth token.
type Client struct {
	baseURL   string
	key       string
	secret    string
	shortcode string
	passkey   string
	initiator string
	password  string
	cert      *rsa.PublicKey
	timeout   time.Duration
	http      *http.Client
	now       func() time.Time
	tokens    *tokenSource
}

// NewClient checks c and returns a client for it. The error wraps ErrInvalidConfig.
func NewClient(c Config) (*Client, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BaseURL %q is not an http(s) URL", c.BaseURL)
	}
	if c.ConsumerKey == "" || c.ConsumerSecret == "" {
		bad("ConsumerKey and ConsumerSecret are required")
	}
	if !isDigits(c.Shortcode) {
		bad("Shortcode %q must be digits", c.Shortcode)
	}
	if c.Timeout < 0 {
		bad("Timeout must not be negative, got %s", c.Timeout)
	}
	cl := &Client{
		baseURL:   strings.TrimRight(c.BaseURL, "/"),
		key:       c.ConsumerKey,
		secret:    c.ConsumerSecret,
		shortcode: c.Shortcode,
		passkey:   c.Passkey,
		initiator: c.Initiator,
		password:  c.InitiatorPassword,
		timeout:   c.Timeout,
		http:      c.HTTPClient,
		now:       c.Now,
	}
	if len(c.CertPEM) > 0 {
		if cl.cert, err = parseCertificate(c.CertPEM); err != nil {
			bad("CertPEM: %v", err)
		}
		if c.Initiator == "" || c.InitiatorPassword == "" {
			bad("Initiator and InitiatorPassword are required with a certificate")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cl.timeout == 0 {
		cl.timeout = DefaultTimeout
	}
	if cl.http == nil {
		cl.http = http.DefaultClient
	}
	if cl.now == nil {
		cl.now = time.Now
	}
	cl.tokens = &tokenSource{fetch: cl.fetchToken, now: cl.now, timeout: cl.timeout}
	return cl, nil
}

// acknowledgement is a synchronous reply whose ResponseCode says whether Daraja took the
// request.
type acknowledgement interface {
	ack() (Code, string)
}

// post sends one JSON request and decodes the reply into out. A 404.001.03 renews the
// token and sends again once, whatever the call: Daraja refused it before doing anything.
// Network errors and 5xx answers are tried again only when repeat is true: the call is
// idempotent by an id of ours, or changes nothing.
func (c *Client) post(ctx context.Context, path string, in, out any, repeat bool) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	tries, renewed := 1, false
	if repeat {
		tries = maxTries
	}
	wait := firstBackoff
	for failures := 1; ; {
		err := c.postOnce(ctx, path, body, out)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrInvalidToken) && !renewed:
			renewed = true
			continue
		case failures >= tries || !retryable(err):
			return err
		}
		failures++
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (after: %w)", ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
	}
}

func (c *Client) postOnce(ctx context.Context, path string, body []byte, out any) error {
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	status, raw, err := c.do(req)
	if err != nil {
		return err
	}
	err = decodeReply(status, raw, out)
	if errors.Is(err, ErrInvalidToken) {
		c.tokens.invalidate(tok)
	}
	return err
}

// do sends req and reads the whole answer.
func (c *Client) do(req *http.Request) (int, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, ctxErr
		}
		return 0, nil, &transportError{err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, ctxErr
		}
		return 0, nil, &transportError{fmt.Errorf("read answer: %w", err)}
	}
	return resp.StatusCode, raw, nil
}

// decodeReply turns Daraja's answer into out or into an *APIError.
func decodeReply(status int, raw []byte, out any) error {
	var e struct {
		RequestID    FlexString `json:"requestId"`
		ErrorCode    Code       `json:"errorCode"`
		ErrorMessage string     `json:"errorMessage"`
	}
	if json.Unmarshal(raw, &e) == nil && e.ErrorCode != "" {
		return &APIError{HTTPStatus: status, RequestID: string(e.RequestID), Code: string(e.ErrorCode), Message: e.ErrorMessage}
	}
	if status < 200 || status > 299 || json.Unmarshal(raw, out) != nil {
		return unexpected(status, raw)
	}
	if a, ok := out.(acknowledgement); ok {
		code, desc := a.ack()
		if code == "" {
			return unexpected(status, raw)
		}
		if !code.IsSuccess() {
			return &APIError{HTTPStatus: status, Code: string(code), Message: desc}
		}
	}
	return nil
}

// retryable says whether another try may succeed where this one failed: the request got
// no answer, or the server was busy. Pending and duplicate are answers, not failures.
func retryable(err error) bool {
	if te := (*transportError)(nil); errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	if errors.Is(ae, ErrStillProcessing) || errors.Is(ae, ErrDuplicateOriginator) {
		return false
	}
	return ae.HTTPStatus >= 500 || ae.HTTPStatus == http.StatusTooManyRequests
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
