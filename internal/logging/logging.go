// Package logging owns how Kikundi writes logs: one log/slog logger per process, in text
// for a terminal or JSON for a collector, and the masking of personal data that log lines
// may mention.
//
// What never reaches a log, at any level: PINs, the raw USSD `text` field (it carries
// every answer of the session, PINs included, e.g. "1*2*1234"), SMS bodies a member
// typed, hook tokens, and credentials. Phone numbers appear only through Phone.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing to w at Info level and above, as JSON when format is
// "json" and as logfmt-style text otherwise.
func New(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Phone masks a phone number for logs, keeping what helps an operator (the country code,
// the network prefix and the last three digits) and hiding the three digits before them:
// +254711000111 becomes +254711***111, 0711000111 becomes 0711***111. Anything shorter
// than seven characters is hidden whole.
func Phone(p string) string {
	r := []rune(p)
	if len(r) < 7 {
		return "***"
	}
	return string(r[:len(r)-6]) + "***" + string(r[len(r)-3:])
}
