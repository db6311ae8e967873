package mpesa

import (
	"errors"
	"fmt"
)

// Daraja's answers that callers act on. An *APIError matches them with errors.Is.
var (
	// ErrInvalidToken is 404.001.03: the bearer token is missing or expired. The client
	// refreshes its token and retries once before returning it.
	ErrInvalidToken = errors.New("mpesa: invalid access token")
	// ErrStillProcessing is 500.001.1001: the transaction is still in progress (the
	// customer has not answered the STK prompt yet). It means pending, never failed. From
	// STKPush it means the customer already has a prompt open.
	ErrStillProcessing = errors.New("mpesa: transaction still being processed")
	// ErrDuplicateOriginator is 500.002.1001: M-Pesa has already accepted a request with
	// this OriginatorConversationID. Do not pay again; wait for the Result or ask
	// Transaction Status.
	ErrDuplicateOriginator = errors.New("mpesa: duplicate OriginatorConversationID")
	// ErrBadRequest is 400.002.02: Daraja refused a field of the request.
	ErrBadRequest = errors.New("mpesa: bad request")
	// ErrInvalidAuth is 400.008.01 or 400.008.02: the consumer key and secret, or the
	// grant type, were refused.
	ErrInvalidAuth = errors.New("mpesa: invalid authentication")
	// ErrUnexpectedResponse is an answer that is not Daraja's JSON: an HTML page from a
	// proxy, an empty body, a reply missing its ResponseCode.
	ErrUnexpectedResponse = errors.New("mpesa: unexpected response")
)

// Refusals before anything is sent, and configuration gaps.
var (
	// ErrInvalidConfig is wrapped by every error NewClient returns.
	ErrInvalidConfig = errors.New("mpesa: invalid configuration")
	// ErrNoCertificate is returned by the calls that need a SecurityCredential (B2C,
	// Transaction Status, Account Balance, Reversal) when Config.CertPEM is empty.
	ErrNoCertificate = errors.New("mpesa: no Daraja certificate configured")
	// ErrNoPasskey is returned by STKPush and STKQuery when Config.Passkey is empty.
	ErrNoPasskey = errors.New("mpesa: no STK passkey configured")
	// ErrInvalidAmount is an amount M-Pesa would refuse: a fraction of a shilling, or
	// outside the limits of the call.
	ErrInvalidAmount = errors.New("mpesa: invalid amount")
	// ErrInvalidRequest is any other field M-Pesa would refuse: too long, empty, not a
	// URL, not a Kenyan mobile number.
	ErrInvalidRequest = errors.New("mpesa: invalid request")
	// ErrMalformedCallback wraps the reason a callback body could not be parsed.
	ErrMalformedCallback = errors.New("mpesa: malformed callback")
)

// Daraja's error codes.
const (
	codeInvalidToken     = "404.001.03"
	codeStillProcessing  = "500.001.1001"
	codeDuplicate        = "500.002.1001"
	codeBadRequest       = "400.002.02"
	codeInvalidAuthType  = "400.008.01"
	codeInvalidGrantType = "400.008.02"
)

// maxUnexpectedBodyBytes is how much of a body that is not Daraja's JSON an error keeps.
const maxUnexpectedBodyBytes = 200

// APIError is an answer from Daraja that is not a success: an error body
// {"requestId","errorCode","errorMessage"}, a ResponseCode other than 0, or (with Code
// empty) a body that is not Daraja's JSON, whose first 200 bytes are kept in Message.
type APIError struct {
	HTTPStatus int
	RequestID  string
	Code       string
	Message    string
}

var _ error = (*APIError)(nil)

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("unexpected response (HTTP %d): %q", e.HTTPStatus, e.Message)
	}
	s := fmt.Sprintf("daraja error %s (HTTP %d): %s", e.Code, e.HTTPStatus, e.Message)
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// Is matches the package's sentinels by Daraja's error code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidToken:
		return e.Code == codeInvalidToken
	case ErrStillProcessing:
		return e.Code == codeStillProcessing
	case ErrDuplicateOriginator:
		return e.Code == codeDuplicate
	case ErrBadRequest:
		return e.Code == codeBadRequest
	case ErrInvalidAuth:
		return e.Code == codeInvalidAuthType || e.Code == codeInvalidGrantType
	case ErrUnexpectedResponse:
		return e.Code == ""
	}
	return false
}

func unexpected(status int, body []byte) *APIError {
	if len(body) > maxUnexpectedBodyBytes {
		body = body[:maxUnexpectedBodyBytes]
	}
	return &APIError{HTTPStatus: status, Message: string(body)}
}

// transportError is a request that got no HTTP answer: refused, reset, cut short.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedCallback}, args...)...)
}
