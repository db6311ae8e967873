package phone_test

import (
	"testing"

	"github.com/kikundi/kikundi/internal/logging"
	"github.com/kikundi/kikundi/internal/phone"
)

// FuzzMaskAgreesWithLogging pins the promise in Mask's doc comment: logging.Phone and
// phone.Mask give the same output for every input, so logging.Phone can delegate to Mask
// without changing a single log line.
func FuzzMaskAgreesWithLogging(f *testing.F) {
	for _, s := range []string{"+254711000111", "254711000111", "0711000111", "+255754123456", "12345", "", "+254 712 345 678", "ñ+254712345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := phone.Mask(s), logging.Phone(s); got != want {
			t.Fatalf("phone.Mask(%q) = %q, logging.Phone = %q", s, got, want)
		}
	})
}
