package pin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformedHash means a stored hash is not a PHC string Verify can read. It says
// what part is wrong but never repeats the hash.
var ErrMalformedHash = errors.New("pin: stored PIN hash is malformed")

// params are the argon2id costs written into, and read back from, a PHC string.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes over memory
	threads uint8
	saltLen int
	keyLen  int
}

// current are the costs new hashes use: the OWASP minimum for argon2id (19 MiB, two
// passes, one lane). A four-digit PIN has only 10,000 values, so the hash cannot make a
// stolen database safe on its own; it buys time, and the lock after three wrong tries
// protects the live system. Raise these and NeedsRehash tells callers to re-hash on the
// next successful login.
var current = params{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// Limits on what Verify accepts from a stored string, far above anything Kikundi would
// choose, so a corrupt row cannot make a login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
	maxThreads = 64
	minSaltLen = 8 // RFC 9106
	minKeyLen  = 16
	maxKeyLen  = 1024
	maxEncoded = 1024
)

var b64 = base64.RawStdEncoding.Strict()

// Hash returns p as a PHC string, "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", with a
// fresh random 16-byte salt, ready to store. It refuses a PIN Valid refuses. It takes
// tens of milliseconds and 19 MiB on purpose.
func Hash(p string) (string, error) {
	if err := Valid(p); err != nil {
		return "", err
	}
	return hashWith(p, current)
}

func hashWith(p string, c params) (string, error) {
	salt := make([]byte, c.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("pin: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(p), salt, c.time, c.memory, c.threads, uint32(c.keyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, c.memory, c.time, c.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether p is the PIN encoded was made from, using the costs encoded
// names, so hashes stay readable after the current costs are raised. A wrong PIN is
// (false, nil); an unreadable encoded is ErrMalformedHash. Verify does not apply Valid:
// a PIN chosen under older rules must still open its account. The comparison takes the
// same time however many bytes match.
func Verify(p, encoded string) (ok bool, err error) {
	c, salt, want, err := parse(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(p), salt, c.time, c.memory, c.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker costs than new hashes use
// (less memory, fewer passes, a shorter salt or key), so the caller should store
// Hash(p) after the next successful Verify. A malformed string also needs replacing,
// so it reports true.
func NeedsRehash(encoded string) bool {
	c, salt, key, err := parse(encoded)
	if err != nil {
		return true
	}
	return c.memory < current.memory || c.time < current.time ||
		len(salt) < current.saltLen || len(key) < current.keyLen
}

// parse reads "$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>".
func parse(encoded string) (c params, salt, key []byte, err error) {
	if len(encoded) > maxEncoded {
		return c, nil, nil, fmt.Errorf("%w: too long", ErrMalformedHash)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return c, nil, nil, fmt.Errorf("%w: not a PHC string", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return c, nil, nil, fmt.Errorf("%w: not argon2id", ErrMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return c, nil, nil, fmt.Errorf("%w: unsupported version", ErrMalformedHash)
	}
	if c, err = parseParams(parts[3]); err != nil {
		return c, nil, nil, err
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen {
		return c, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return c, nil, nil, fmt.Errorf("%w: bad key", ErrMalformedHash)
	}
	c.saltLen, c.keyLen = len(salt), len(key)
	return c, salt, key, nil
}

// parseParams reads "m=19456,t=2,p=1": in that order, each once, in plain decimal,
// within the limits.
func parseParams(s string) (params, error) {
	fields := strings.Split(s, ",")
	names := [3]string{"m=", "t=", "p="}
	limits := [3]uint64{maxMemory, maxTime, maxThreads}
	var v [3]uint64
	if len(fields) != len(names) {
		return params{}, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
	}
	for i, f := range fields {
		digits, found := strings.CutPrefix(f, names[i])
		n, err := strconv.ParseUint(digits, 10, 32)
		if !found || err != nil || n == 0 || n > limits[i] || digits[0] == '0' {
			return params{}, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
		}
		v[i] = n
	}
	if v[0] < 8*v[2] { // RFC 9106: at least 8 KiB per lane
		return params{}, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
	}
	return params{memory: uint32(v[0]), time: uint32(v[1]), threads: uint8(v[2])}, nil
}
