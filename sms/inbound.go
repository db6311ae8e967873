package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/sms/command"
)

// Inbound rate limit: more than rateLimit messages from one phone within rateWindow are
// stored and not answered. A member checking a balance sends a few; an autoresponder
// answering our replies (or a script) sends many, and every answer costs an SMS.
const (
	rateLimit  = 10
	rateWindow = 10 * time.Minute
)

// Outcomes of an inbound message that got no reply (the others are the reply's kind).
const (
	outcomeRateLimited = "rate_limited"
	outcomeBadSender   = "bad_sender"
	outcomeError       = "error"
)

// Inbox answers the SMS members and officials send: Africa's Talking's incoming-message
// and opt-out webhooks. Each message is recorded once per aggregator id (never its text,
// which may hold a PIN), parsed with package command and answered through the Outbox in
// the sender's language.
type Inbox struct {
	db     *gorm.DB
	groups *chama.Service
	out    *Outbox
	ussd   string
	log    *slog.Logger
	now    func() time.Time
}

// NewInbox returns an inbox over db that reads and acts through groups, replies through
// out and names ussdCode (DefaultUSSDCode when empty) in its replies and shortcuts.
func NewInbox(db *gorm.DB, groups *chama.Service, out *Outbox, ussdCode string, logger *slog.Logger) *Inbox {
	if ussdCode == "" {
		ussdCode = DefaultUSSDCode
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Inbox{db: db, groups: groups, out: out, ussd: ussdCode, log: logger, now: time.Now}
}

// Mount serves POST /at/sms (incoming messages) and POST /at/sms/optout (bulk opt-out
// notifications), relative to r, which the caller puts behind the webhook token.
func (in *Inbox) Mount(r fiber.Router) {
	r.Post("/at/sms", in.receive)
	r.Post("/at/sms/optout", in.optOutHook)
}

// receive records one incoming SMS and answers it. Africa's Talking retries until it gets
// a 200 and sometimes delivers one SMS twice, so the message is inserted once on its id:
// a second delivery is answered 200 and nothing else. Once stored, the answer is 200
// whatever the message said, or whatever became of handling it (logged): only a message
// that could not be stored answers 503, for AT to try again.
func (in *Inbox) receive(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := strings.TrimSpace(c.FormValue("id"))
	from := strings.TrimSpace(c.FormValue("from"))
	if id == "" || from == "" || len(id) > 100 {
		return fiber.NewError(fiber.StatusBadRequest, "id and from are required")
	}
	id = strings.Clone(id)
	text := c.FormValue("text")
	cmd, perr := command.Parse(text)
	verb := cmd.Verb
	var args *command.ArgumentError
	if errors.As(perr, &args) {
		verb = args.Verb
	}
	e164, phoneErr := phone.Normalize(from)
	sender := e164
	if phoneErr != nil {
		sender = truncate(clean(from), 32)
	}
	row, err := in.record(ctx, id, sender, truncate(clean(strings.TrimSpace(c.FormValue("to"))), 32),
		utf8.RuneCountInString(text), string(verb))
	if err != nil {
		in.log.ErrorContext(ctx, "incoming sms not stored", "provider_id", id, "error", err)
		return fiber.NewError(fiber.StatusServiceUnavailable, "not stored; retry")
	}
	if row == 0 {
		in.log.InfoContext(ctx, "incoming sms repeated", "provider_id", id)
		return c.SendString("OK")
	}
	log := in.log.With("inbound", row, "provider_id", id, "phone", phone.Mask(sender), "verb", string(verb))
	outcome := in.handle(ctx, log, row, id, e164, phoneErr, cmd, perr)
	if err := in.db.WithContext(ctx).Exec(`UPDATE sms_inbound SET handled_at = ?, outcome = ? WHERE id = ?`,
		in.now(), outcome, row).Error; err != nil {
		log.ErrorContext(ctx, "incoming sms outcome not recorded", "outcome", outcome, "error", err)
	}
	log.InfoContext(ctx, "incoming sms handled", "outcome", outcome)
	return c.SendString("OK")
}

// record stores an incoming message and returns its row id, or 0 when a message with this
// provider id was stored before.
func (in *Inbox) record(ctx context.Context, providerID, from, to string, length int, verb string) (int64, error) {
	var id int64
	err := in.db.WithContext(ctx).Raw(`INSERT INTO sms_inbound (provider_id, from_phone, to_code, text_length, verb, received_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id) DO NOTHING RETURNING id`,
		providerID, from, to, length, verb, in.now()).Scan(&id).Error
	if err != nil {
		return 0, fmt.Errorf("sms: store incoming: %w", err)
	}
	return id, nil
}

// handle answers a stored message and returns its outcome: the reply's kind, or why there
// was none.
func (in *Inbox) handle(ctx context.Context, log *slog.Logger, row int64, ref, e164 string, phoneErr error,
	cmd command.Command, perr error) string {
	if phoneErr != nil {
		return outcomeBadSender // a sender ID or a foreign number: nobody to answer
	}
	// STOP is obeyed even from a phone over the rate limit: a loop is no reason to keep
	// sending to someone who asked us to stop. The reply below still counts against it.
	if perr == nil && cmd.Verb == command.Stop {
		if err := in.optOut(ctx, e164, "stop"); err != nil {
			log.ErrorContext(ctx, "opt-out not recorded", "error", err)
			return outcomeError
		}
	}
	var recent int64
	if err := in.db.WithContext(ctx).Raw(`SELECT count(*) FROM sms_inbound WHERE from_phone = ? AND received_at > ? AND id <= ?`,
		e164, in.now().Add(-rateWindow), row).Scan(&recent).Error; err != nil {
		log.ErrorContext(ctx, "incoming sms rate not read", "error", err)
		return outcomeError
	}
	if recent > rateLimit {
		if recent == rateLimit+1 { // once per burst, not once per message of a loop
			log.WarnContext(ctx, "incoming sms rate limited", "limit", rateLimit, "window", rateWindow.String())
		}
		return outcomeRateLimited
	}
	n, err := in.answer(ctx, e164, ref, cmd, perr)
	if err != nil {
		log.ErrorContext(ctx, "incoming sms not answered", "error", err)
		return outcomeError
	}
	if err := in.out.Notify(ctx, n); err != nil {
		log.ErrorContext(ctx, "reply not queued", "kind", n.Kind, "error", err)
		return outcomeError
	}
	return n.Kind
}

// optOutHook records Africa's Talking's notice that a number opted out of bulk SMS.
func (in *Inbox) optOutHook(c *fiber.Ctx) error {
	ctx := c.UserContext()
	raw := strings.TrimSpace(c.FormValue("phoneNumber"))
	if raw == "" {
		return fiber.NewError(fiber.StatusBadRequest, "phoneNumber is required")
	}
	e164, err := phone.Normalize(raw)
	if err != nil {
		in.log.WarnContext(ctx, "opt-out for a number we cannot read", "error", err)
		return c.SendString("OK") // asking again will not make it readable
	}
	if err := in.optOut(ctx, e164, "aggregator"); err != nil {
		in.log.ErrorContext(ctx, "opt-out not recorded", "phone", phone.Mask(e164), "error", err)
		return fiber.NewError(fiber.StatusServiceUnavailable, "not recorded; retry")
	}
	in.log.InfoContext(ctx, "opted out of bulk sms", "phone", phone.Mask(e164), "via", "aggregator")
	return c.SendString("OK")
}

// optOut records that e164 wants no bulk SMS; recording it again keeps the first time.
func (in *Inbox) optOut(ctx context.Context, e164, via string) error {
	if err := in.db.WithContext(ctx).Exec(`INSERT INTO sms_optouts (phone, at, via) VALUES (?, ?, ?)
		ON CONFLICT (phone) DO NOTHING`, e164, in.now(), via).Error; err != nil {
		return fmt.Errorf("sms: record opt-out: %w", err)
	}
	return nil
}

// OptedOut reports whether a phone (any spelling phone.Normalize takes) opted out of bulk
// and promotional SMS, by STOP or through the aggregator. Whatever sends such messages
// must ask; receipts and replies to the member's own messages go regardless.
func (in *Inbox) OptedOut(ctx context.Context, rawPhone string) (bool, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return false, err
	}
	var out bool
	if err := in.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM sms_optouts WHERE phone = ?)`, e164).
		Scan(&out).Error; err != nil {
		return false, fmt.Errorf("sms: opted out: %w", err)
	}
	return out, nil
}
