package pin

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// cheap costs keep tests that are not about the costs fast; Verify reads them from the
// string, so the behaviour under test is the same.
var cheap = params{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}

func TestHashRoundTrip(t *testing.T) {
	encoded, err := Hash("2580")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(encoded) {
		t.Errorf("Hash = %q, not the PHC form with OWASP costs", encoded)
	}
	if strings.Contains(encoded, "2580") {
		t.Errorf("Hash = %q contains the PIN", encoded)
	}
	if ok, err := Verify("2580", encoded); !ok || err != nil {
		t.Errorf("Verify(right PIN) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := Verify("2581", encoded); ok || err != nil {
		t.Errorf("Verify(wrong PIN) = %v, %v; want false, nil", ok, err)
	}
	if NeedsRehash(encoded) {
		t.Error("NeedsRehash is true for a hash made with the current costs")
	}
}

func TestVerifyWrongPINs(t *testing.T) {
	encoded, err := hashWith("2580", cheap)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"2581", "0852", "", "258", "25800", "2580 ", "1234", "abcd"} {
		if ok, err := Verify(p, encoded); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", p, ok, err)
		}
	}
}

func TestHashesOfOnePINDiffer(t *testing.T) {
	a, errA := hashWith("2580", cheap)
	b, errB := hashWith("2580", cheap)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Errorf("two hashes of one PIN are equal, so the salt is not random: %q", a)
	}
	saltOf := func(s string) string { return strings.Split(s, "$")[4] }
	if saltOf(a) == saltOf(b) {
		t.Errorf("two hashes share a salt: %q", saltOf(a))
	}
}

// TestVerifyReadsParametersFromTheString shows stored hashes stay readable when the
// costs change: each is verified with the costs it names, and NeedsRehash tells the
// weaker ones apart.
func TestVerifyReadsParametersFromTheString(t *testing.T) {
	tests := []struct {
		name        string
		c           params
		needsRehash bool
	}{
		{"weaker memory and time", params{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"two lanes, short salt and key", params{memory: 32, time: 3, threads: 2, saltLen: 8, keyLen: 16}, true},
		{"weaker time only", params{memory: 19 * 1024, time: 1, threads: 1, saltLen: 16, keyLen: 32}, true},
		{"stronger", params{memory: 32 * 1024, time: 3, threads: 2, saltLen: 16, keyLen: 32}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := hashWith("7391", tt.c)
			if err != nil {
				t.Fatal(err)
			}
			c, _, _, err := parse(encoded)
			if err != nil {
				t.Fatalf("parse(%q): %v", encoded, err)
			}
			if c != tt.c {
				t.Errorf("parse(%q) = %+v, want %+v", encoded, c, tt.c)
			}
			if ok, err := Verify("7391", encoded); !ok || err != nil {
				t.Errorf("Verify(right PIN) = %v, %v", ok, err)
			}
			if ok, err := Verify("7392", encoded); ok || err != nil {
				t.Errorf("Verify(wrong PIN) = %v, %v", ok, err)
			}
			if got := NeedsRehash(encoded); got != tt.needsRehash {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.needsRehash)
			}
		})
	}
}

// TestVerifyReadsOtherImplementations checks the PHC format against hashes made by the
// reference C implementation (the examples in argon2-cffi's README), so a hash written
// by a tool or a future service in another language verifies here.
func TestVerifyReadsOtherImplementations(t *testing.T) {
	tests := []struct {
		secret, encoded string
		needsRehash     bool
	}{
		{"correct horse battery staple", "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg", false},
		{"s3kr3tp4ssw0rd", "$argon2id$v=19$m=102400,t=2,p=8$tSm+JOWigOgPZx/g44K5fQ$WDyus6py50bVFIPkjA28lQ", true}, // 16-byte key
	}
	for _, tt := range tests {
		if ok, err := Verify(tt.secret, tt.encoded); !ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", tt.encoded, ok, err)
		}
		if ok, err := Verify("x"+tt.secret, tt.encoded); ok || err != nil {
			t.Errorf("Verify(wrong, %q) = %v, %v; want false, nil", tt.encoded, ok, err)
		}
		if got := NeedsRehash(tt.encoded); got != tt.needsRehash {
			t.Errorf("NeedsRehash(%q) = %v, want %v", tt.encoded, got, tt.needsRehash)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const (
		salt = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
		key  = "YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg" // 32 bytes
	)
	tests := map[string]string{
		"empty":               "",
		"plain text":          "2580",
		"bcrypt":              "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":             "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"argon2d":             "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"no leading dollar":   "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"missing version":     "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"old version":         "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"missing key":         "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"extra field":         "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
		"params out of order": "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key,
		"param missing":       "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"param repeated":      "$argon2id$v=19$m=19456,t=2,p=1,p=1$" + salt + "$" + key,
		"zero memory":         "$argon2id$v=19$m=0,t=2,p=1$" + salt + "$" + key,
		"zero time":           "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"zero lanes":          "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,
		"memory below 8p":     "$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + key,
		"negative":            "$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key,
		"plus sign":           "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key,
		"leading zero":        "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key,
		"not a number":        "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key,
		"memory too large":    "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key,
		"time too large":      "$argon2id$v=19$m=19456,t=1000000,p=1$" + salt + "$" + key,
		"lanes over uint8":    "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key,
		"salt not base64":     "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key,
		"salt padded":         "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"salt too short":      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key,
		"key not base64":      "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$~~~~",
		"key too short":       "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5",
		"key empty":           "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$",
		"too long":            "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 2000),
	}
	// The control: the same pieces, put together right, parse, so each case above fails
	// for the one reason its name gives.
	if _, _, _, err := parse("$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key); err != nil {
		t.Fatalf("control hash: %v", err)
	}
	for name, encoded := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := Verify("2580", encoded)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify = %v, %v; want false, ErrMalformedHash", ok, err)
			}
			if err != nil && len(encoded) > 8 && strings.Contains(err.Error(), encoded) {
				t.Errorf("error %q repeats the stored hash", err)
			}
			if !NeedsRehash(encoded) {
				t.Error("NeedsRehash is false for a malformed hash")
			}
		})
	}
}

// BenchmarkHash measures what one PIN costs the server at the current parameters:
// tens of milliseconds by design, since that is what makes a stolen table slow to guess.
func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash("2580"); err != nil {
			b.Fatal(err)
		}
	}
}
