package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/internal/logging"
	"github.com/kikundi/kikundi/internal/simswap"
	"github.com/kikundi/kikundi/mpesa"
	"github.com/kikundi/kikundi/sms"
	"github.com/kikundi/kikundi/ussd"
)

// domain is what every long-running role shares: the groups, M-Pesa (nil when Daraja is
// not configured), and the queue other packages enqueue through.
type domain struct {
	groups   *chama.Service
	payments *mpesa.Service
	queue    *asynq.Client
	ussd     *ussd.Engine
	outbox   *sms.Outbox
	provider sms.Provider
}

// newDomain wires chama to M-Pesa. certPEM is Daraja's certificate when the caller has it
// in hand (kikundi dev's simulator); otherwise it comes from KIKUNDI_DARAJA_CERT_FILE, or,
// failing that, from a simulator's /simulator/cert.pem at the Daraja base URL.
func newDomain(ctx context.Context, cfg config.Config, st *stores, logger *slog.Logger, certPEM []byte) (*domain, error) {
	redisOpt, err := asynqRedis(cfg)
	if err != nil {
		return nil, err
	}
	d := &domain{queue: asynq.NewClient(redisOpt)}
	if cfg.DarajaBaseURL == "" {
		logger.Warn("M-Pesa is not configured (KIKUNDI_DARAJA_BASE_URL): collections and payouts wait")
	} else {
		if certPEM == nil {
			certPEM = darajaCertificate(ctx, cfg, logger)
		}
		client, err := mpesa.NewClient(mpesa.Config{BaseURL: cfg.DarajaBaseURL, ConsumerKey: cfg.DarajaConsumerKey,
			ConsumerSecret: cfg.DarajaConsumerSecret, Shortcode: cfg.DarajaShortcode, Passkey: cfg.DarajaPasskey,
			Initiator: cfg.DarajaInitiator, InitiatorPassword: cfg.DarajaInitiatorPassword, CertPEM: certPEM})
		if err != nil {
			_ = d.queue.Close()
			return nil, fmt.Errorf("daraja client: %w", err)
		}
		d.payments, err = mpesa.NewService(mpesa.Options{DB: st.db, Client: client, Queue: d.queue, Logger: logger,
			Callbacks: mpesa.CallbacksAt(cfg.PublicURL, cfg.HookToken)})
		if err != nil {
			_ = d.queue.Close()
			return nil, err
		}
	}
	d.outbox = sms.NewOutbox(st.db, sms.Renderer{USSDCode: cfg.USSDCode}, d.queue)
	d.provider = sms.Sandbox{}
	if cfg.SMSProvider == config.SMSAfricasTalking {
		d.provider = sms.NewAfricasTalking(cfg.ATBaseURL, cfg.ATUsername, cfg.ATAPIKey, cfg.ATSender, nil)
	}
	// No aggregator's SIM-swap lookup is wired in yet: the sim_swaps table answers, filled
	// by `kikundi sim-swap` (an operator told of a swap) or POST /dev/sim-swap in dev.
	opts := chama.Options{DB: st.db, Notifier: d.outbox, Logger: logger, SIMSwaps: simswap.Sandbox{DB: st.db}}
	if d.payments != nil {
		opts.Payer = payer{d.payments}
	}
	d.groups = chama.New(opts)
	var pay ussd.Payments
	if d.payments != nil {
		pay = collector{m: d.payments, logger: logger}
	}
	d.ussd = ussd.New(ussd.Options{Store: ussd.NewRedisStore(st.redis, "ussd:"), Groups: d.groups, Payments: pay,
		Code: cfg.USSDCode, Logger: logger})
	return d, nil
}

func (d *domain) close() { _ = d.queue.Close() }

// darajaCertificate reads the certificate B2C credentials are encrypted with.
func darajaCertificate(ctx context.Context, cfg config.Config, logger *slog.Logger) []byte {
	if cfg.DarajaCertFile != "" {
		pem, err := os.ReadFile(cfg.DarajaCertFile)
		if err != nil {
			logger.Error("read KIKUNDI_DARAJA_CERT_FILE: payouts cannot be sent", "error", err)
			return nil
		}
		return pem
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(cfg.DarajaBaseURL, "/")+"/simulator/cert.pem", nil)
	if err == nil {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			defer resp.Body.Close()
			if pem, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16)); err == nil && resp.StatusCode == http.StatusOK {
				return pem
			}
		}
	}
	logger.Warn("no Daraja certificate (KIKUNDI_DARAJA_CERT_FILE): payouts cannot be sent until one is configured")
	return nil
}

// payer hands chama's payout orders to M-Pesa.
type payer struct{ m *mpesa.Service }

func (p payer) Pay(ctx context.Context, o chama.PayoutOrder) error {
	return p.m.Pay(ctx, mpesa.Payout{ID: o.ID, Group: o.Group, Phone: o.Phone, Amount: o.Amount, Purpose: o.Purpose})
}

// messages binds the outbox to the configured SMS provider, for the workers.
type messages struct {
	outbox   *sms.Outbox
	provider sms.Provider
}

func (m messages) Send(ctx context.Context, id int64) error {
	return m.outbox.Send(ctx, id, m.provider)
}

func (m messages) Requeue(ctx context.Context, idle time.Duration) (int, error) {
	return m.outbox.Requeue(ctx, idle)
}

// knownGroup answers C2B validation from the groups.
func knownGroup(groups *chama.Service) mpesa.KnownGroup {
	return func(ctx context.Context, code string) (bool, error) {
		_, err := groups.GroupByCode(ctx, code)
		if errors.Is(err, chama.ErrUnknownGroup) {
			return false, nil
		}
		return err == nil, err
	}
}

// collector starts STK pushes for the USSD menus. The member is waiting on a USSD screen
// that must answer within a second, so the push (an intent committed, then a round trip
// to Daraja) goes on in the background; a failure is logged and recorded on the intent.
type collector struct {
	m      *mpesa.Service
	logger *slog.Logger
}

func (c collector) Collect(ctx context.Context, group, phone string, amount decimal.Decimal, purpose string, loan int64) error {
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, err := c.m.Collect(ctx, mpesa.Collection{Group: group, Phone: phone, Amount: amount, Purpose: purpose, Loan: loan}); err != nil {
			c.logger.WarnContext(ctx, "STK push not sent", "group", group, "phone", logging.Phone(phone), "error", err)
		}
	}()
	return nil
}
