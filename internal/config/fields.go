package config

// How a setting is printed.
type kind int

const (
	plain  kind = iota
	secret      // printed as set or unset, never its value
	link        // a URL whose password is hidden
)

type stringField struct {
	env  string
	ptr  *string
	kind kind
}

// fields lists every string setting with its variable and how it is printed, in
// printing order. One list serves Load and the printed form, so a new setting cannot be
// read but forgotten when printing, or printed without deciding whether it is a secret.
func (c *Config) fields() []stringField {
	return []stringField{
		{"KIKUNDI_DATABASE_URL", &c.DatabaseURL, link},
		{"KIKUNDI_REDIS_URL", &c.RedisURL, link},
		{"KIKUNDI_HTTP_ADDR", &c.HTTPAddr, plain},
		{"KIKUNDI_PUBLIC_URL", &c.PublicURL, link},
		{"KIKUNDI_USSD_CODE", &c.USSDCode, plain},
		{"KIKUNDI_HOOK_TOKEN", &c.HookToken, secret},
		{"KIKUNDI_DARAJA_BASE_URL", &c.DarajaBaseURL, link},
		{"KIKUNDI_DARAJA_CONSUMER_KEY", &c.DarajaConsumerKey, secret},
		{"KIKUNDI_DARAJA_CONSUMER_SECRET", &c.DarajaConsumerSecret, secret},
		{"KIKUNDI_DARAJA_SHORTCODE", &c.DarajaShortcode, plain},
		{"KIKUNDI_DARAJA_PASSKEY", &c.DarajaPasskey, secret},
		{"KIKUNDI_DARAJA_INITIATOR", &c.DarajaInitiator, plain},
		{"KIKUNDI_DARAJA_INITIATOR_PASSWORD", &c.DarajaInitiatorPassword, secret},
		{"KIKUNDI_DARAJA_CERT_FILE", &c.DarajaCertFile, plain},
		{"KIKUNDI_SIM_ADDR", &c.SimAddr, plain},
		{"KIKUNDI_STATEMENT_URL", &c.StatementURL, link},
		{"KIKUNDI_SMS_PROVIDER", &c.SMSProvider, plain},
		{"KIKUNDI_AT_BASE_URL", &c.ATBaseURL, link},
		{"KIKUNDI_AT_USERNAME", &c.ATUsername, plain},
		{"KIKUNDI_AT_API_KEY", &c.ATAPIKey, secret},
		{"KIKUNDI_AT_SENDER", &c.ATSender, plain},
		{"KIKUNDI_LOG_FORMAT", &c.LogFormat, plain},
	}
}
