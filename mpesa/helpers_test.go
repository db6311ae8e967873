package mpesa_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kikundi/kikundi/mpesa"
)

// Credentials the fake Daraja expects.
const (
	testKey       = "test-consumer-key"
	testSecret    = "test-consumer-secret"
	testShortcode = "174379"
	testPasskey   = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
	testInitiator = "testapi"
	testPassword  = "Safaricom999!*!"
	sampleToken   = "c9SQxWWhmdVRlyh0zh8gZDTkubVF" // testdata/oauth_token.json
)

// testdata returns a file copied byte for byte from daraja.md.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testCert is a self-signed certificate standing in for Safaricom's, with its private
// key so tests can decrypt the SecurityCredential.
var testCert = sync.OnceValues(func() ([]byte, *rsa.PrivateKey) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "apicrypt.safaricom.co.ke"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key
})

// decryptCredential undoes what the client does to the initiator password.
func decryptCredential(t *testing.T, cred string) string {
	t.Helper()
	_, key := testCert()
	ct, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		t.Fatalf("SecurityCredential %q is not base64: %v", cred, err)
	}
	pt, err := rsa.DecryptPKCS1v15(nil, key, ct)
	if err != nil {
		t.Fatalf("SecurityCredential does not decrypt with the test key: %v", err)
	}
	return string(pt)
}

// parseCase is one body for a callback parser: what it must give, or that it must refuse.
type parseCase[T any] struct {
	name string
	body string
	want T
	err  bool
}

// runParseCases runs parse over every case; a refusal must wrap ErrMalformedCallback.
func runParseCases[T any](t *testing.T, parse func([]byte) (T, error), cases []parseCase[T]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse([]byte(tt.body))
			if tt.err {
				if !errors.Is(err, mpesa.ErrMalformedCallback) {
					t.Errorf("err = %v, want ErrMalformedCallback", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// sameFieldsAs checks that body has exactly the fields of a daraja.md sample, each a
// number where the sample has a number and a string where it has a string.
func sameFieldsAs(t *testing.T, body map[string]any, sampleFile string) map[string]any {
	t.Helper()
	sample := decodeObject(t, testdata(t, sampleFile))
	for k, v := range sample {
		got, ok := body[k]
		if !ok {
			t.Errorf("field %s missing", k)
			continue
		}
		_, wantNum := v.(json.Number)
		if _, gotNum := got.(json.Number); gotNum != wantNum {
			t.Errorf("field %s: a number is %v, daraja.md says %v", k, gotNum, wantNum)
		}
	}
	if len(body) != len(sample) {
		t.Errorf("body has %d fields, daraja.md's sample %d: %v", len(body), len(sample), body)
	}
	return sample
}

// wantCalls checks how many requests reached path.
func (f *fakeDaraja) wantCalls(t *testing.T, path string, n int) {
	t.Helper()
	if got := len(f.calls(path)); got != n {
		t.Errorf("%d requests to %s, want %d", got, path, n)
	}
}

// clock is an injectable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// request is one call the fake received.
type request struct {
	Auth string
	Body []byte
}

// fakeDaraja answers like Daraja over real HTTP: OAuth with the sample token for the
// right Basic credentials, and whatever handler a test sets for each other path, behind a
// bearer check.
type fakeDaraja struct {
	*httptest.Server
	mu       sync.Mutex
	oauth    http.HandlerFunc // nil: the sample token
	routes   map[string]http.HandlerFunc
	tokens   int
	requests map[string][]request
}

func newFakeDaraja(t *testing.T) *fakeDaraja {
	t.Helper()
	f := &fakeDaraja{routes: map[string]http.HandlerFunc{}, requests: map[string][]request{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeDaraja) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/v1/generate" {
		f.mu.Lock()
		f.tokens++
		h := f.oauth
		f.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		key, secret, ok := r.BasicAuth()
		if r.Method != http.MethodGet || !ok || key != testKey || secret != testSecret {
			writeJSON(w, http.StatusBadRequest, `{"requestId":"","errorCode":"400.008.01","errorMessage":"Invalid Authentication passed"}`)
			return
		}
		if r.URL.Query().Get("grant_type") != "client_credentials" {
			writeJSON(w, http.StatusBadRequest, `{"requestId":"","errorCode":"400.008.02","errorMessage":"Invalid grant type passed"}`)
			return
		}
		writeFile(w, http.StatusOK, "oauth_token.json")
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests[r.URL.Path] = append(f.requests[r.URL.Path], request{Auth: r.Header.Get("Authorization"), Body: body})
	h := f.routes[r.URL.Path]
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+sampleToken {
		writeJSON(w, http.StatusNotFound, `{"requestId":"","errorCode":"404.001.03","errorMessage":"Invalid Access Token"}`)
		return
	}
	if h == nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// handle sets the handler for path.
func (f *fakeDaraja) handle(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = h
}

func (f *fakeDaraja) tokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens
}

func (f *fakeDaraja) calls(path string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests[path]...)
}

// lastBody decodes the last request to path, numbers kept as json.Number so that a
// test sees whether a field travelled as a number or a string.
func (f *fakeDaraja) lastBody(t *testing.T, path string) map[string]any {
	t.Helper()
	calls := f.calls(path)
	if len(calls) == 0 {
		t.Fatalf("no request to %s", path)
	}
	return decodeObject(t, calls[len(calls)-1].Body)
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeFile(w http.ResponseWriter, status int, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, status, string(b))
}

// serveFile answers every call with a testdata file.
func serveFile(status int, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeFile(w, status, name) }
}

// sequence answers the n-th call with the n-th handler, and later calls with the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

// unavailable is a proxy's 503 page, not Daraja's JSON.
func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "<html><body>503 Service Temporarily Unavailable</body></html>")
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// stall answers only when the client has given up.
func stall(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// testNow is given in UTC; the client must write it in Nairobi time.
var testNow = time.Date(2021, 6, 28, 6, 24, 8, 0, time.UTC) // 09:24:08 EAT

type option func(*mpesa.Config)

func newClient(t *testing.T, f *fakeDaraja, opts ...option) *mpesa.Client {
	t.Helper()
	certPEM, _ := testCert()
	clk := &clock{t: testNow}
	cfg := mpesa.Config{
		BaseURL:           f.URL,
		ConsumerKey:       testKey,
		ConsumerSecret:    testSecret,
		Shortcode:         testShortcode,
		Passkey:           testPasskey,
		Initiator:         testInitiator,
		InitiatorPassword: testPassword,
		CertPEM:           certPEM,
		Timeout:           5 * time.Second,
		HTTPClient:        f.Client(),
		Now:               clk.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := mpesa.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
