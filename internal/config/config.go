// Package config owns Kikundi's runtime configuration: one struct read from KIKUNDI_*
// environment variables, the defaults that make a developer machine work with no
// variables at all, the extra defaults of `kikundi dev`, the checks each role needs, and a
// printable form with every secret masked.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every error Load and Validate return for a bad setting.
var ErrInvalid = errors.New("invalid configuration")

// Roles that Validate knows. They are the subcommands that run long-lived processes.
const (
	RoleServe = "serve"
	RoleWork  = "work"
	RoleDev   = "dev"
)

// SMS providers.
const (
	SMSSandbox        = "sandbox"
	SMSAfricasTalking = "africastalking"
)

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// Config is everything Kikundi reads from its environment. Which variable sets which
// field is listed once, in fields; CONTRACT.md says what each one means.
type Config struct {
	DatabaseURL string
	RedisURL    string
	HTTPAddr    string
	PublicURL   string
	USSDCode    string
	HookToken   string

	DarajaBaseURL           string
	DarajaConsumerKey       string
	DarajaConsumerSecret    string
	DarajaShortcode         string
	DarajaPasskey           string
	DarajaInitiator         string
	DarajaInitiatorPassword string
	DarajaCertFile          string
	SimAddr                 string
	// StatementURL is where the nightly reconciliation fetches the organisation's M-Pesa
	// statement (CSV). Unset: no nightly run; `kikundi reconcile statement FILE` still
	// works. kikundi dev points it at the simulator.
	StatementURL string

	SMSProvider string
	ATBaseURL   string
	ATUsername  string
	ATAPIKey    string
	ATSender    string

	ShutdownTimeout time.Duration
	LogFormat       string
}

// Defaults returns the configuration of a developer machine: Postgres and Redis on
// 127.0.0.1 at their standard ports, and no secrets.
func Defaults() Config {
	return Config{
		DatabaseURL:     "postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable",
		RedisURL:        "redis://127.0.0.1:6379/0",
		HTTPAddr:        "127.0.0.1:8080",
		PublicURL:       "http://127.0.0.1:8080",
		USSDCode:        "*384*12#",
		SimAddr:         "127.0.0.1:8090",
		ATBaseURL:       "https://api.sandbox.africastalking.com",
		ShutdownTimeout: 15 * time.Second,
		LogFormat:       LogText,
	}
}

// Load reads the configuration from the process environment.
func Load() (Config, error) {
	return LoadFrom(os.Getenv)
}

// LoadFrom reads the configuration through getenv, so tests and callers that build an
// environment need not touch the process's own. An unset or empty variable keeps its
// default.
func LoadFrom(getenv func(string) string) (Config, error) {
	c := Defaults()
	for _, f := range c.fields() {
		if v := getenv(f.env); v != "" {
			*f.ptr = v
		}
	}
	if v := getenv("KIKUNDI_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return Config{}, fmt.Errorf("%w: KIKUNDI_SHUTDOWN_TIMEOUT=%q is not a duration (try 15s or 1m)", ErrInvalid, v)
		}
		c.ShutdownTimeout = d
	}
	return c, nil
}

// Dev fills what `kikundi dev` needs and the environment left empty: a known hook
// token, the SMS sandbox, and the Daraja simulator with the credentials it accepts.
// Values the environment set are kept, so a developer can point dev at the real sandbox.
func (c *Config) Dev() {
	fill := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	fill(&c.HookToken, "dev")
	fill(&c.SMSProvider, SMSSandbox)
	fill(&c.DarajaBaseURL, "http://"+c.SimAddr)
	fill(&c.DarajaConsumerKey, "sim-consumer-key")
	fill(&c.DarajaConsumerSecret, "sim-consumer-secret")
	fill(&c.DarajaShortcode, "174379")
	fill(&c.DarajaPasskey, "sim-passkey")
	fill(&c.DarajaInitiator, "sim-initiator")
	fill(&c.DarajaInitiatorPassword, "sim-initiator-password")
	fill(&c.StatementURL, "http://"+c.SimAddr+"/simulator/statement.csv")
}

// Validate checks what role needs. Only long-running roles need anything beyond the
// defaults: outside dev, serve and work refuse to start without a hook token, because an
// unauthenticated webhook could move money.
func (c Config) Validate(role string) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if c.ShutdownTimeout <= 0 {
		bad("KIKUNDI_SHUTDOWN_TIMEOUT must be positive, got %s", c.ShutdownTimeout)
	}
	if c.LogFormat != LogText && c.LogFormat != LogJSON {
		bad("KIKUNDI_LOG_FORMAT must be %q or %q, got %q", LogText, LogJSON, c.LogFormat)
	}
	switch c.SMSProvider {
	case "", SMSSandbox:
	case SMSAfricasTalking:
		if c.ATUsername == "" || c.ATAPIKey == "" {
			bad("KIKUNDI_SMS_PROVIDER=%s needs KIKUNDI_AT_USERNAME and KIKUNDI_AT_API_KEY", SMSAfricasTalking)
		}
	default:
		bad("KIKUNDI_SMS_PROVIDER must be %q or %q, got %q", SMSSandbox, SMSAfricasTalking, c.SMSProvider)
	}
	// A real Daraja must be able to call us back: its callbacks cannot reach this
	// machine's loopback. (A Daraja on loopback is the simulator, which can.)
	if (role == RoleServe || role == RoleWork) && c.DarajaBaseURL != "" && !loopback(c.DarajaBaseURL) && loopback(c.PublicURL) {
		bad("KIKUNDI_PUBLIC_URL=%s is this machine's loopback, which Daraja at %s cannot call back; set the public https URL", c.PublicURL, c.DarajaBaseURL)
	}
	if (role == RoleServe || role == RoleWork) && c.HookToken == "" {
		bad("KIKUNDI_HOOK_TOKEN is required for %s (every webhook must carry it as ?token=)", role)
	}
	return errors.Join(errs...)
}

// loopback reports whether a URL names this machine's loopback.
func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}
