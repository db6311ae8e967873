package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// devOptions are the credentials config.Dev gives the simulator.
func devOptions() Options {
	return Options{
		Shortcode: "174379", ConsumerKey: "sim-consumer-key", ConsumerSecret: "sim-consumer-secret",
		Passkey: "sim-passkey", Initiator: "sim-initiator", InitiatorPassword: "sim-initiator-password",
		Seed: 42, CallbackDelay: 10 * time.Millisecond, ValidationTimeout: 200 * time.Millisecond,
	}
}

// waitFor bounds how long a test waits for a callback it expects; it is a ceiling, not
// a sleep.
const waitFor = 3 * time.Second

var receiptRE = regexp.MustCompile(`^[A-Z0-9]{10}$`)

// harness is a simulator on a loopback port plus a receiver standing in for Kikundi.
type harness struct {
	t     *testing.T
	sim   *Sim
	base  string
	hooks *receiver
	token string
	http  *http.Client
}

func newHarness(t *testing.T, tweak ...func(*Options)) *harness {
	t.Helper()
	hooks := newReceiver(t)
	o := devOptions()
	for _, f := range tweak {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	base := serve(t, s.App())
	t.Cleanup(s.Close) // runs before the servers shut down: Cleanup is last-in, first-out
	h := &harness{t: t, sim: s, base: base, hooks: hooks, http: &http.Client{Timeout: 10 * time.Second}}
	h.token = h.oauth()
	return h
}

func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

// do sends a request and decodes a JSON answer into a map, so tests see the JSON types
// exactly as a client would (numbers are float64, strings are strings).
func (h *harness) do(method, path string, body any, header map[string]string) (int, map[string]any) {
	h.t.Helper()
	status, raw := h.doRaw(method, path, body, header)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			h.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return status, m
}

func (h *harness) doRaw(method, path string, body any, header map[string]string) (int, []byte) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.base+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

func (h *harness) oauth() string {
	h.t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte("sim-consumer-key:sim-consumer-secret"))
	status, m := h.do(http.MethodGet, "/oauth/v1/generate?grant_type=client_credentials", nil,
		map[string]string{"Authorization": "Basic " + basic})
	if status != http.StatusOK {
		h.t.Fatalf("oauth: %d %v", status, m)
	}
	return m["access_token"].(string)
}

// daraja calls a Daraja endpoint with our bearer token.
func (h *harness) daraja(path string, body any) (int, map[string]any) {
	h.t.Helper()
	return h.do(http.MethodPost, path, body, map[string]string{"Authorization": "Bearer " + h.token})
}

// control calls the simulator's control API and insists on want.
func (h *harness) control(method, path string, body any, want int) map[string]any {
	h.t.Helper()
	status, m := h.do(method, path, body, nil)
	if status != want {
		h.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m
}

func (h *harness) customer(msisdn, balance, behaviour string) {
	h.t.Helper()
	h.control(http.MethodPut, "/simulator/customers/"+msisdn, map[string]any{"balance": balance, "behaviour": behaviour}, http.StatusOK)
}

func (h *harness) balanceOf(msisdn string) string {
	h.t.Helper()
	return h.control(http.MethodGet, "/simulator/customers/"+msisdn, nil, http.StatusOK)["balance"].(string)
}

func (h *harness) setFaults(f map[string]any) {
	h.t.Helper()
	h.control(http.MethodPut, "/simulator/faults", f, http.StatusOK)
}

const stkTimestamp = "20240706224852"

// stkBody is a valid STK push, as daraja.md shows it, for mutation by tests.
func (h *harness) stkBody(phone string, amount any) map[string]any {
	return map[string]any{
		"BusinessShortCode": 174379,
		"Password":          base64.StdEncoding.EncodeToString([]byte("174379sim-passkey" + stkTimestamp)),
		"Timestamp":         stkTimestamp,
		"TransactionType":   "CustomerPayBillOnline",
		"Amount":            amount,
		"PartyA":            phone,
		"PartyB":            "174379",
		"PhoneNumber":       phone,
		"CallBackURL":       h.hooks.url("/hooks/daraja/stk"),
		"AccountReference":  "GRP12",
		"TransactionDesc":   "contrib",
	}
}

// push sends an accepted STK push and returns its CheckoutRequestID.
func (h *harness) push(phone string, amount any) string {
	h.t.Helper()
	status, m := h.daraja("/mpesa/stkpush/v1/processrequest", h.stkBody(phone, amount))
	if status != http.StatusOK || m["ResponseCode"] != "0" {
		h.t.Fatalf("stk push: %d %v", status, m)
	}
	return m["CheckoutRequestID"].(string)
}

func (h *harness) stkQuery(checkout string) (int, map[string]any) {
	h.t.Helper()
	b := h.stkBody("254700000000", "1")
	return h.daraja("/mpesa/stkpushquery/v1/query", map[string]any{
		"BusinessShortCode": b["BusinessShortCode"], "Password": b["Password"], "Timestamp": b["Timestamp"],
		"CheckoutRequestID": checkout,
	})
}

// credential encrypts the initiator password to the certificate served at
// /simulator/cert.pem, as a client does with Safaricom's certificate.
func (h *harness) credential(password string) string {
	h.t.Helper()
	status, raw := h.doRaw(http.MethodGet, "/simulator/cert.pem", nil, nil)
	if status != http.StatusOK {
		h.t.Fatalf("cert.pem: %d", status)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		h.t.Fatal("cert.pem holds no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		h.t.Fatal(err)
	}
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, cert.PublicKey.(*rsa.PublicKey), []byte(password))
	if err != nil {
		h.t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(ct)
}

func (h *harness) b2cBody(origID, phone, amount string) map[string]any {
	return map[string]any{
		"OriginatorConversationID": origID,
		"InitiatorName":            "sim-initiator",
		"SecurityCredential":       h.credential("sim-initiator-password"),
		"CommandID":                "BusinessPayment",
		"Amount":                   amount,
		"PartyA":                   "174379",
		"PartyB":                   phone,
		"Remarks":                  "loan payout",
		"QueueTimeOutURL":          h.hooks.url("/hooks/daraja/b2c/timeout"),
		"ResultURL":                h.hooks.url("/hooks/daraja/b2c/result"),
		"Occassion":                "loan",
	}
}

func (h *harness) statusQuery(receipt, conversation string) {
	h.t.Helper()
	status, m := h.daraja("/mpesa/transactionstatus/v1/query", map[string]any{
		"Initiator": "sim-initiator", "SecurityCredential": h.credential("sim-initiator-password"),
		"CommandID": "TransactionStatusQuery", "TransactionID": receipt, "OriginalConversationID": conversation,
		"PartyA": "174379", "IdentifierType": "4",
		"ResultURL": h.hooks.url("/hooks/daraja/status/result"), "QueueTimeOutURL": h.hooks.url("/hooks/daraja/status/timeout"),
		"Remarks": "check", "Occasion": "recon",
	})
	if status != http.StatusOK || m["ResponseCode"] != "0" {
		h.t.Fatalf("status query: %d %v", status, m)
	}
}

// resultParams flattens a {"Result":{…}} callback's ResultParameters by key.
func resultParams(t *testing.T, result map[string]any) map[string]any {
	t.Helper()
	rp, ok := result["ResultParameters"].(map[string]any)
	if !ok {
		t.Fatalf("no ResultParameters in %v", result)
	}
	out := map[string]any{}
	for _, p := range rp["ResultParameter"].([]any) {
		kv := p.(map[string]any)
		out[kv["Key"].(string)] = kv["Value"]
	}
	return out
}

// receiver is a Fiber server standing in for Kikundi's webhooks. It records every POST
// and answers C2B validation as the test says.
type receiver struct {
	base string
	stop chan struct{}

	mu         sync.Mutex
	chans      map[string]chan hit
	validation func() (status int, body string, delay time.Duration)
}

type hit struct {
	raw  []byte
	body map[string]any
	at   time.Time
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{stop: make(chan struct{}), chans: map[string]chan hit{}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, Immutable: true})
	app.Post("/*", func(c *fiber.Ctx) error {
		if c.Query("token") != "dev" {
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		raw := append([]byte(nil), c.Body()...)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		r.ch(c.Path()) <- hit{raw: raw, body: body, at: time.Now()}
		if c.Path() == "/hooks/daraja/c2b/validation" {
			r.mu.Lock()
			answer := r.validation
			r.mu.Unlock()
			status, reply, delay := fiber.StatusOK, `{"ResultCode":"0","ResultDesc":"Accepted"}`, time.Duration(0)
			if answer != nil {
				status, reply, delay = answer()
			}
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-r.stop:
				}
			}
			c.Set("Content-Type", "application/json")
			return c.Status(status).SendString(reply)
		}
		return c.JSON(fiber.Map{"ResultCode": 0, "ResultDesc": "Success"})
	})
	r.base = serve(t, app)
	t.Cleanup(func() { close(r.stop) })
	return r
}

func (r *receiver) ch(path string) chan hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.chans[path]
	if !ok {
		c = make(chan hit, 64)
		r.chans[path] = c
	}
	return c
}

// url is a webhook URL as Kikundi hands it to Daraja, token and all.
func (r *receiver) url(path string) string { return r.base + path + "?token=dev" }

func (r *receiver) answerValidation(f func() (int, string, time.Duration)) {
	r.mu.Lock()
	r.validation = f
	r.mu.Unlock()
}

// next waits for the next callback on path.
func (r *receiver) next(t *testing.T, path string) hit {
	t.Helper()
	select {
	case h := <-r.ch(path):
		return h
	case <-time.After(waitFor):
		t.Fatalf("no callback on %s within %s", path, waitFor)
		return hit{}
	}
}

// none asserts that nothing arrives on path for d.
func (r *receiver) none(t *testing.T, path string, d time.Duration) {
	t.Helper()
	select {
	case h := <-r.ch(path):
		t.Fatalf("unexpected callback on %s: %s", path, h.raw)
	case <-time.After(d):
	}
}

// stkCallback unwraps Body.stkCallback.
func stkCallbackOf(t *testing.T, h hit) map[string]any {
	t.Helper()
	body, ok := h.body["Body"].(map[string]any)
	if !ok {
		t.Fatalf("no Body in %s", h.raw)
	}
	cb, ok := body["stkCallback"].(map[string]any)
	if !ok {
		t.Fatalf("no stkCallback in %s", h.raw)
	}
	return cb
}

func resultOf(t *testing.T, h hit) map[string]any {
	t.Helper()
	r, ok := h.body["Result"].(map[string]any)
	if !ok {
		t.Fatalf("no Result in %s", h.raw)
	}
	return r
}

// isNumber and isString check JSON types as decoded into any.
func isNumber(v any) bool { _, ok := v.(float64); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }
