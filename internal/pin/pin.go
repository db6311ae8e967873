// Package pin owns members' 4-digit PINs: which PINs may be chosen, and how they are kept,
// only as salted argon2id hashes that are slow to guess even from a stolen database.
// A PIN typed on USSD approves payouts and loans, and the Data Protection Act expects it
// to be protected, so nothing here ever puts a PIN in an error, a log line or a string.
package pin

import "errors"

// The errors Valid and Hash return. Their text never contains the PIN it refuses, so it
// can be shown on a USSD screen or logged.
var (
	ErrFormat    = errors.New("pin: a PIN is exactly four digits")
	ErrTooSimple = errors.New("pin: too easy to guess (one digit repeated, or digits counting up or down); choose another")
)

// Valid reports whether p may be chosen as a PIN. It must be exactly four ASCII digits
// (ErrFormat), and not one of these 24 that anyone would try first (ErrTooSimple):
//
//   - one digit four times: 0000, 1111, …, 9999;
//   - a straight ascending run: 0123, 1234, 2345, 3456, 4567, 5678, 6789;
//   - a straight descending run: 9876, 8765, 7654, 6543, 5432, 4321, 3210.
//
// Runs do not wrap around (7890 and 0987 are allowed), and years or dates are allowed:
// the list is short on purpose, so members are refused only what is plainly guessable.
func Valid(p string) error {
	if len(p) != 4 {
		return ErrFormat
	}
	for i := range len(p) {
		if p[i] < '0' || p[i] > '9' {
			return ErrFormat
		}
	}
	if p[0] == p[1] && p[1] == p[2] && p[2] == p[3] {
		return ErrTooSimple
	}
	step := int(p[1]) - int(p[0])
	if (step == 1 || step == -1) &&
		int(p[2])-int(p[1]) == step && int(p[3])-int(p[2]) == step {
		return ErrTooSimple
	}
	return nil
}
