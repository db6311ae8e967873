package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

var _ slog.LogValuer = Config{}

// LogValue prints every setting, secrets masked, so a process can log its whole
// configuration at start (`logger.Info("starting", "config", cfg)`).
func (c Config) LogValue() slog.Value {
	fs := c.fields()
	attrs := make([]slog.Attr, 0, len(fs)+1)
	for _, f := range fs {
		attrs = append(attrs, slog.String(attrKey(f.env), f.printed()))
	}
	attrs = append(attrs, slog.Duration(attrKey("KIKUNDI_SHUTDOWN_TIMEOUT"), c.ShutdownTimeout))
	return slog.GroupValue(attrs...)
}

// String prints one NAME=value line per setting, secrets masked.
func (c Config) String() string {
	var b strings.Builder
	for _, f := range c.fields() {
		fmt.Fprintf(&b, "%s=%s\n", f.env, f.printed())
	}
	fmt.Fprintf(&b, "KIKUNDI_SHUTDOWN_TIMEOUT=%s\n", c.ShutdownTimeout)
	return b.String()
}

// attrKey turns KIKUNDI_DATABASE_URL into database_url.
func attrKey(env string) string {
	return strings.ToLower(strings.TrimPrefix(env, "KIKUNDI_"))
}

func (f stringField) printed() string {
	v := *f.ptr
	switch f.kind {
	case secret:
		if v == "" {
			return "(unset)"
		}
		return "****"
	case link:
		return redactURL(v)
	default:
		return v
	}
}

// redactURL hides the password of a URL, both in its user part and in a password query
// parameter (libpq accepts postgres://host/db?password=...). Anything that does not parse
// as an absolute URL, such as a libpq "host=... password=..." string, could carry a
// password anywhere, so it is hidden whole.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return "(unprintable)"
	}
	if q := u.Query(); len(q) > 0 {
		changed := false
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}
