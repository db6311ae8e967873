package sms

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Provider hands one message to an SMS aggregator. It returns the aggregator's id for the
// message (what its delivery reports will name) and the message's status in the delivery
// report's words: "Sent" when the aggregator accepted it and delivery is still to come,
// "Success" when it is already delivered. A *PermanentError is a refusal that sending
// again will not change; any other error is worth a retry.
type Provider interface {
	Send(ctx context.Context, to, message string) (providerID string, status string, err error)
}

// Provider names, as sms_messages.provider records them.
const (
	ProviderSandbox        = "sandbox"
	ProviderAfricasTalking = "africastalking"
)

// PermanentError is an aggregator refusing a message for its recipient in a way a retry
// will not change (Africa's Talking's per-recipient statusCode 401-407).
type PermanentError struct {
	Code   int    // the aggregator's status code, 403
	Status string // its word for it, InvalidPhoneNumber
}

var _ error = (*PermanentError)(nil)

func (e *PermanentError) Error() string {
	return fmt.Sprintf("sms: recipient refused: %d %s", e.Code, e.Status)
}

// Sandbox is the provider of `kikundi dev` and of tests: it sends nothing and reports
// every message delivered at once, so GET /dev/sms shows it as a phone would.
type Sandbox struct{}

// Name is ProviderSandbox.
func (Sandbox) Name() string { return ProviderSandbox }

// Send returns a fresh id, SBX-<n>, and "Success". n is random, so ids stay unique across
// restarts of a dev server on the same database.
func (Sandbox) Send(context.Context, string, string) (string, string, error) {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "SBX-" + strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10), "Success", nil
}

// AfricasTalking sends through Africa's Talking's bulk SMS API (aggregators.md, "Sending
// SMS"). It is safe for concurrent use.
type AfricasTalking struct {
	endpoint string
	username string
	apiKey   string
	sender   string
	client   *http.Client
}

// DefaultSendTimeout bounds one call to Africa's Talking when no client is given; it is
// shorter than the sms:send task's timeout so a slow answer fails the try, not the task.
const DefaultSendTimeout = 20 * time.Second

// NewAfricasTalking returns a provider for the account username with apiKey, posting to
// baseURL (https://api.africastalking.com, the sandbox's, or a stand-in's). sender is the
// sender ID or shortcode, or empty for AT's default. A nil client gets DefaultSendTimeout.
func NewAfricasTalking(baseURL, username, apiKey, sender string, client *http.Client) *AfricasTalking {
	if client == nil {
		client = &http.Client{Timeout: DefaultSendTimeout}
	}
	return &AfricasTalking{endpoint: strings.TrimRight(baseURL, "/") + "/version1/messaging",
		username: username, apiKey: apiKey, sender: sender, client: client}
}

// Name is ProviderAfricasTalking.
func (*AfricasTalking) Name() string { return ProviderAfricasTalking }

// atResponse is the body of AT's answer to a send.
type atResponse struct {
	SMSMessageData struct {
		Message    string `json:"Message"`
		Recipients []struct {
			StatusCode int    `json:"statusCode"`
			Number     string `json:"number"`
			Status     string `json:"status"`
			Cost       string `json:"cost"`
			MessageID  string `json:"messageId"`
		} `json:"Recipients"`
	} `json:"SMSMessageData"`
}

// maxBody bounds how much of an answer is read; AT's are a few hundred bytes.
const maxBody = 64 << 10

// Send posts message to one recipient. Per-recipient statusCode 100-102 is accepted
// ("Sent": AT's "Success" at this point means accepted, not delivered); 401-407 is a
// *PermanentError; 500-502, any other code, an HTTP status other than 200/201 and a
// failed connection are retryable errors.
func (a *AfricasTalking) Send(ctx context.Context, to, message string) (string, string, error) {
	form := url.Values{"username": {a.username}, "to": {to}, "message": {message}}
	if a.sender != "" {
		form.Set("from", a.sender)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", fmt.Errorf("africastalking: %w", err)
	}
	req.Header.Set("apiKey", a.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("africastalking: send: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", "", fmt.Errorf("africastalking: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("africastalking: HTTP %d: %q", resp.StatusCode, snippet(body))
	}
	var r atResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return "", "", fmt.Errorf("africastalking: HTTP %d, unreadable answer %q: %w", resp.StatusCode, snippet(body), err)
	}
	if len(r.SMSMessageData.Recipients) == 0 {
		// AT names a refusal of the whole request (InvalidSenderId, say) in Message. It is
		// our configuration, not the recipient: once fixed, a retry goes through.
		return "", "", fmt.Errorf("africastalking: no recipient in answer: %q", r.SMSMessageData.Message)
	}
	rc := r.SMSMessageData.Recipients[0]
	switch {
	case rc.StatusCode >= 100 && rc.StatusCode <= 102:
		if rc.MessageID == "" || rc.MessageID == "None" {
			return "", "", fmt.Errorf("africastalking: accepted (%d %s) without a messageId", rc.StatusCode, rc.Status)
		}
		return rc.MessageID, "Sent", nil
	case rc.StatusCode == 401 || rc.StatusCode == 402 || rc.StatusCode == 405:
		// RiskHold, InvalidSenderId, InsufficientBalance: our account's problem, not the
		// recipient's. Retried (with back-off) until it is fixed, never dropped.
		return "", "", fmt.Errorf("africastalking: our account cannot send: %d %s", rc.StatusCode, rc.Status)
	case rc.StatusCode >= 403 && rc.StatusCode <= 407:
		return "", "", &PermanentError{Code: rc.StatusCode, Status: rc.Status}
	}
	return "", "", fmt.Errorf("africastalking: recipient status %d %s", rc.StatusCode, rc.Status)
}

func snippet(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
