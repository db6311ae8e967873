package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kikundi/kikundi/internal/phone"
)

// runDial is `kikundi dial [--phone +2547XXXXXXXX] [--server URL] [CODE]`: a feature phone
// in the terminal. It dials the server exactly as Africa's Talking would (a form POST per
// hop carrying the whole input path), shows each screen, and reads the keypad from stdin.
// A CODE with a shortcut (*384*12*1*500#) sends its inputs on the first hop, as a phone
// would.
func runDial(ctx context.Context, e env, args []string) error {
	f := newFlags("dial", "[--phone +2547XXXXXXXX] [--server URL] [CODE]",
		"A feature phone in the terminal: dials the running server as Africa's Talking would.\n"+
			"Type a choice and Enter; an empty line or q hangs up.")
	number := f.String("phone", "+254711000001", "the phone number dialling (the demo chair by default)")
	server := f.String("server", "", "the server's base URL (default http://KIKUNDI_HTTP_ADDR)")
	if err := f.parse(args, e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, "dial")
	if err != nil {
		return err
	}
	e164, err := phone.Normalize(*number)
	if err != nil {
		return err
	}
	base := *server
	if base == "" {
		base = "http://" + cfg.HTTPAddr
	}
	token := cfg.HookToken
	if token == "" {
		token = "dev"
	}
	code := cfg.USSDCode
	var path []string
	if rest := f.Args(); len(rest) > 0 {
		code, path = splitDial(rest[0])
	}
	return dial(ctx, dialer{base: strings.TrimRight(base, "/"), token: token, phone: e164, code: code}, path, os.Stdin, e.stdout)
}

// splitDial separates a dialled string into the service code and any shortcut inputs:
// *384*12*1*500# is the code *384*12# with inputs 1 and 500 (a Kenyan service code has
// two parts after the star: the code and its extension).
func splitDial(s string) (string, []string) {
	parts := strings.Split(strings.Trim(strings.TrimSpace(s), "*#"), "*")
	if len(parts) <= 2 {
		return "*" + strings.Join(parts, "*") + "#", nil
	}
	return "*" + strings.Join(parts[:2], "*") + "#", parts[2:]
}

type dialer struct {
	base, token, phone, code string
	client                   http.Client
}

// dial runs one session: hop, show, read, until the server ends it or the user hangs up.
func dial(ctx context.Context, d dialer, path []string, in io.Reader, out io.Writer) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	session := "dial-" + hex.EncodeToString(b)
	keys := bufio.NewScanner(in)
	seen := map[string]bool{}
	for _, m := range d.inbox(ctx) { // messages from before this call are not news
		seen[m.ID] = true
	}
	dialled := d.code
	if len(path) > 0 { // what the member keyed: the code and its shortcut
		dialled = strings.TrimSuffix(d.code, "#") + "*" + strings.Join(path, "*") + "#"
	}
	fmt.Fprintf(out, "Dialling %s from %s…\n", dialled, d.phone)
	for {
		text, end, err := d.hop(ctx, session, strings.Join(path, "*"))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n┌──────────────────────────────┐\n%s\n└──────────────────────────────┘\n", indent(text))
		if end {
			fmt.Fprintln(out, "(session ended)")
			d.showSMS(ctx, seen, out)
			return nil
		}
		fmt.Fprint(out, "> ")
		if !keys.Scan() {
			fmt.Fprintln(out, "\n(hung up)")
			return nil
		}
		key := strings.TrimSpace(keys.Text())
		if key == "" || key == "q" {
			fmt.Fprintln(out, "(hung up)")
			return nil
		}
		path = append(path, key)
	}
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

// hop posts one hop as Africa's Talking does and reads the CON/END reply.
func (d *dialer) hop(ctx context.Context, session, text string) (string, bool, error) {
	form := url.Values{"sessionId": {session}, "serviceCode": {d.code}, "phoneNumber": {d.phone},
		"networkCode": {"99999"}, "text": {text}}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/hooks/at/ussd?token="+url.QueryEscape(d.token),
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := d.client.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("dial %s: %w (is `make run` running?)", d.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", false, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("the server answered %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	s := string(body)
	switch {
	case strings.HasPrefix(s, "CON "):
		return s[4:], false, nil
	case strings.HasPrefix(s, "END "):
		return s[4:], true, nil
	}
	return "", false, fmt.Errorf("the server answered neither CON nor END: %q", s)
}

// sandboxSMS is one message as GET /dev/sms lists it.
type sandboxSMS struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// inbox reads the SMS the dev sandbox holds for this phone; outside kikundi dev there is
// none, and the phone simply shows no messages.
func (d *dialer) inbox(ctx context.Context) []sandboxSMS {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/dev/sms?phone="+url.QueryEscape(d.phone), nil)
	if err != nil {
		return nil
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var msgs []sandboxSMS
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&msgs) != nil {
		return nil
	}
	return msgs
}

// smsWait is how long the phone waits for the SMS a session's action causes (an M-Pesa
// receipt comes once the payment settles, seconds after the session).
var smsWait = 8 * time.Second

// showSMS prints messages that arrive for the phone after the session, as a handset would.
func (d *dialer) showSMS(ctx context.Context, seen map[string]bool, out io.Writer) {
	deadline := time.Now().Add(smsWait)
	for time.Now().Before(deadline) {
		for _, m := range d.inbox(ctx) {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			fmt.Fprintf(out, "\n[SMS] %s\n", m.Message)
			deadline = time.Now().Add(2 * time.Second) // more may follow closely
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}
