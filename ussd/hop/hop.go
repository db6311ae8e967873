// Package hop is the one shape a USSD hop takes inside Kikundi, whatever aggregator
// carried it: the adapters (ussd/aggregator) translate each wire format into a Request
// and a Response back, and the session engine (package ussd) answers them.
package hop

import "context"

// Request is one hop of a USSD session.
type Request struct {
	Aggregator  string // "at", "hubtel", "gateway": sessions are keyed by aggregator and id
	SessionID   string
	Phone       string // E.164, +2547…
	ServiceCode string // as dialled, e.g. *384*12#
	Network     string // e.g. 63902 (Safaricom)
	// Input is what the user typed. With FullPath (Africa's Talking, the Kenyan CON/END
	// gateways) it is every input of the session so far joined by '*', empty on the first
	// hop unless the user dialled a shortcut; without it (Hubtel) it is only the latest
	// input, and First marks the session's first hop.
	Input    string
	FullPath bool
	First    bool
}

// Response is the screen to show and whether the session ends with it.
type Response struct {
	Text string // at most 182 GSM-7 characters
	End  bool
}

// Handler answers hops: the session engine, or anything standing in for it in a test.
type Handler interface {
	Hop(ctx context.Context, r Request) (Response, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r Request) (Response, error)

// Hop calls f.
func (f HandlerFunc) Hop(ctx context.Context, r Request) (Response, error) { return f(ctx, r) }
