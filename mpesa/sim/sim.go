package sim

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// ErrInvalidOptions is wrapped by New's error when an Option is missing or malformed.
var ErrInvalidOptions = errors.New("invalid simulator options")

// Defaults used when an Option is left zero.
const (
	DefaultCallbackDelay     = 2 * time.Second
	DefaultValidationTimeout = 8 * time.Second
)

// Options configures a Sim. The credential fields are the ones a client must present;
// cmd/kikundi fills them from internal/config so the simulator and the client agree.
type Options struct {
	Shortcode         string
	ConsumerKey       string
	ConsumerSecret    string
	Passkey           string
	Initiator         string
	InitiatorPassword string

	// Seed drives every random choice (receipts, ids, faults), so a script replayed
	// against a simulator with the same seed sees the same receipts.
	Seed int64
	// Now is the simulator's clock; time.Now when nil.
	Now func() time.Time
	// HTTPClient posts callbacks and C2B validation requests; a 10 s client when nil.
	HTTPClient *http.Client
	// Logger receives one line per request and callback; discarded when nil.
	Logger *slog.Logger
	// CallbackDelay is how long an unscripted (or scripted, non-manual) customer takes to
	// answer a PIN prompt, and how long B2C and the query APIs take before their result.
	CallbackDelay time.Duration
	// ValidationTimeout is how long C2B waits for our validation answer before applying
	// the registered ResponseType; Daraja's is about 8 s.
	ValidationTimeout time.Duration
}

// Sim is one simulated Daraja. All state is in memory, guarded by mu; nothing that talks
// to the network runs while mu is held.
type Sim struct {
	opts    Options
	log     *slog.Logger
	key     *rsa.PrivateKey
	certPEM []byte
	app     *fiber.App
	reqSeq  atomic.Uint64

	mu        sync.Mutex
	receiptRn *rand.Rand // receipts only, so that they depend on money movements alone
	idRn      *rand.Rand // request and conversation ids
	faultRn   *rand.Rand // drop/duplicate/time-out decisions
	used      map[string]bool
	tokens    map[string]time.Time
	customers map[string]*customer
	pushes    map[string]*stkPush
	payments  map[string]*b2cPayment // by OriginatorConversationID
	convs     map[string]*b2cPayment // by ConversationID
	records   map[string]*record     // completed transactions by receipt
	c2b       c2bRegistration
	org       orgAccounts
	statement []statementRow
	faults    faults
	held      *delivery // reorder: a callback waiting to be overtaken

	life   sync.Mutex // guards closed and wg.Add so Close cannot race a new goroutine
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// New builds a simulator with a fresh RSA key and certificate and an organisation whose
// B2C utility account holds 10,000,000.00.
func New(o Options) (*Sim, error) {
	for _, f := range []struct{ name, value string }{
		{"Shortcode", o.Shortcode}, {"ConsumerKey", o.ConsumerKey}, {"ConsumerSecret", o.ConsumerSecret},
		{"Passkey", o.Passkey}, {"Initiator", o.Initiator}, {"InitiatorPassword", o.InitiatorPassword},
	} {
		if f.value == "" {
			return nil, fmt.Errorf("%w: %s is required", ErrInvalidOptions, f.name)
		}
	}
	if !allDigits(o.Shortcode) {
		return nil, fmt.Errorf("%w: Shortcode %q is not numeric", ErrInvalidOptions, o.Shortcode)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.CallbackDelay <= 0 {
		o.CallbackDelay = DefaultCallbackDelay
	}
	if o.ValidationTimeout <= 0 {
		o.ValidationTimeout = DefaultValidationTimeout
	}
	key, certPEM, err := newCertificate(o.Now())
	if err != nil {
		return nil, fmt.Errorf("simulator certificate: %w", err)
	}
	seed := uint64(o.Seed)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		opts:      o,
		log:       o.Logger.With("component", "daraja-sim"),
		key:       key,
		certPEM:   certPEM,
		receiptRn: rand.New(rand.NewPCG(seed, 0x7265636569707473)),
		idRn:      rand.New(rand.NewPCG(seed, 0x6964656e74696679)),
		faultRn:   rand.New(rand.NewPCG(seed, 0x6661756c74730000)),
		used:      map[string]bool{},
		tokens:    map[string]time.Time{},
		customers: map[string]*customer{},
		pushes:    map[string]*stkPush{},
		payments:  map[string]*b2cPayment{},
		convs:     map[string]*b2cPayment{},
		records:   map[string]*record{},
		org:       orgAccounts{utility: decimal.RequireFromString("10000000.00")},
		ctx:       ctx,
		cancel:    cancel,
	}
	s.app = s.routes()
	return s, nil
}

// App returns the Fiber app serving the Daraja endpoints and the control API. The caller
// listens and shuts it down; Close stops what the simulator runs on its own.
func (s *Sim) App() *fiber.App { return s.app }

// CertificatePEM is the certificate whose public key encrypts SecurityCredential, the
// simulator's stand-in for Safaricom's published certificate.
func (s *Sim) CertificatePEM() []byte { return append([]byte(nil), s.certPEM...) }

// Close stops pending timers and in-flight callbacks and waits for them. Pending STK
// pushes and B2C payments simply never finish.
func (s *Sim) Close() {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return
	}
	s.closed = true
	s.cancel()
	s.life.Unlock()
	s.wg.Wait()
}

// after runs f in a tracked goroutine after d, unless the simulator closes first.
func (s *Sim) after(d time.Duration, f func()) {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.ctx.Done():
				return
			}
		}
		f()
	}()
}

func (s *Sim) now() time.Time { return s.opts.Now().In(nairobi) }

// nairobi is East Africa Time. A fixed zone, because Kenya has no daylight saving and the
// binary should not depend on the host's tzdata.
var nairobi = time.FixedZone("EAT", 3*60*60)

func (s *Sim) routes() *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		// Handlers keep strings from requests in long-lived state; fasthttp would
		// otherwise recycle the bytes under them.
		Immutable: true,
		AppName:   "kikundi-daraja-sim",
	})
	app.Get("/oauth/v1/generate", s.handleOAuth)

	api := app.Group("/mpesa", s.requireBearer)
	api.Post("/stkpush/v1/processrequest", s.handleSTKPush)
	api.Post("/stkpushquery/v1/query", s.handleSTKQuery)
	api.Post("/c2b/v1/registerurl", s.handleC2BRegister)
	api.Post("/c2b/v1/simulate", s.handleC2BSimulate)
	api.Post("/b2c/v3/paymentrequest", s.handleB2C)
	api.Post("/transactionstatus/v1/query", s.handleStatus)
	api.Post("/reversal/v1/request", s.handleReversal)
	api.Post("/accountbalance/v1/query", s.handleBalance)

	ctl := app.Group("/simulator")
	ctl.Get("/cert.pem", s.handleCertPEM)
	ctl.Put("/customers/:msisdn", s.handlePutCustomer)
	ctl.Get("/customers/:msisdn", s.handleGetCustomer)
	ctl.Post("/stk/:checkout/respond", s.handleRespond)
	ctl.Post("/c2b/pay", s.handleC2BPay)
	ctl.Put("/faults", s.handlePutFaults)
	ctl.Get("/faults", s.handleGetFaults)
	ctl.Get("/statement.csv", s.handleStatement)
	return app
}
