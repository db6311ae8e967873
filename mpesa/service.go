package mpesa

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/tasks"
	"github.com/kikundi/kikundi/ledger"
)

// Service is Kikundi's side of M-Pesa: it commits a payment intent before each request,
// talks to Daraja through the Client, turns stored callbacks and polls into intent
// transitions, and books money that matches nothing in suspense. What the money is for
// (a contribution, a loan) is the chama's business: the workers hand settled intents to it.
type Service struct {
	db     *gorm.DB
	ledger *ledger.Ledger
	client *Client
	urls   Callbacks
	queue  tasks.Enqueuer
	now    func() time.Time
	log    *slog.Logger
}

// Callbacks are the URLs Daraja calls back, each carrying the webhook token.
type Callbacks struct {
	STK, B2CResult, B2CTimeout, StatusResult, StatusTimeout string
	C2BConfirmation, C2BValidation                          string
}

// CallbacksAt builds the callback URLs under publicURL (CONTRACT.md's /hooks/daraja/…),
// each with ?token=.
func CallbacksAt(publicURL, token string) Callbacks {
	base := strings.TrimRight(publicURL, "/") + "/hooks/daraja/"
	q := "?token=" + url.QueryEscape(token)
	return Callbacks{
		STK: base + "stk" + q, B2CResult: base + "b2c/result" + q, B2CTimeout: base + "b2c/timeout" + q,
		StatusResult: base + "status/result" + q, StatusTimeout: base + "status/timeout" + q,
		C2BConfirmation: base + "c2b/confirmation" + q, C2BValidation: base + "c2b/validation" + q,
	}
}

// Options build a Service.
type Options struct {
	DB        *gorm.DB
	Client    *Client
	Callbacks Callbacks
	// Queue enqueues the settlement of callbacks and the sending of payouts; without it
	// (a test, a command) payouts are sent at once and callbacks wait for the sweep.
	Queue  tasks.Enqueuer
	Logger *slog.Logger
	Now    func() time.Time
}

// NewService returns a Service.
func NewService(o Options) (*Service, error) {
	if o.DB == nil || o.Client == nil || o.Callbacks.STK == "" {
		return nil, fmt.Errorf("%w: a service needs a database, a client and callback URLs", ErrInvalidConfig)
	}
	s := &Service{db: o.DB, ledger: ledger.New(o.DB), client: o.Client, urls: o.Callbacks, queue: o.Queue, now: o.Now, log: o.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}
