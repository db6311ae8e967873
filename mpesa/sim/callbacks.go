package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"
)

// reorderHold is how long a callback waits, with reorder on, for a later one to overtake
// it before it is sent anyway.
const reorderHold = time.Second

// delivery is one callback: where it goes, its exact bytes, and whether the duplicate
// fault fired for it.
type delivery struct {
	url  string
	what string
	body []byte
	dup  bool
}

// notify sends a callback in the background under the current faults. Like Daraja it
// sends once and never retries, whatever our receiver answers; the duplicate fault is
// the only way a second copy is sent.
func (s *Sim) notify(target, what string, payload any) {
	d := s.newDelivery(target, what, payload)
	s.mu.Lock()
	f := s.faults
	if s.dropLocked(d, f) {
		s.mu.Unlock()
		return
	}
	delay := time.Duration(f.DelayMS) * time.Millisecond
	if !f.Reorder {
		s.mu.Unlock()
		s.after(delay, func() { s.send(d) })
		return
	}
	// Reorder: hold each callback until the next one arrives, then send the newer first.
	if s.held == nil {
		s.held = d
		s.mu.Unlock()
		s.after(reorderHold+delay, func() {
			s.mu.Lock()
			mine := s.held == d
			if mine {
				s.held = nil
			}
			s.mu.Unlock()
			if mine {
				s.send(d)
			}
		})
		return
	}
	older := s.held
	s.held = nil
	s.mu.Unlock()
	s.after(delay, func() {
		s.send(d)
		s.send(older)
	})
}

// notifyNow sends a callback before returning, for callback_before_reply. Drop,
// duplicate and delay apply; reordering does not, since nothing can overtake it.
func (s *Sim) notifyNow(target, what string, payload any) {
	d := s.newDelivery(target, what, payload)
	s.mu.Lock()
	f := s.faults
	dropped := s.dropLocked(d, f)
	s.mu.Unlock()
	if dropped {
		return
	}
	if f.DelayMS > 0 {
		t := time.NewTimer(time.Duration(f.DelayMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return
		}
	}
	s.send(d)
}

// dropLocked draws the drop and duplicate faults for d, in that order.
func (s *Sim) dropLocked(d *delivery, f faults) bool {
	if s.chanceLocked(f.DropCallbacks) {
		s.log.Info("callback dropped by fault", "what", d.what, "url", redact(d.url))
		return true
	}
	d.dup = s.chanceLocked(f.DuplicateCallbacks)
	return false
}

func (s *Sim) newDelivery(target, what string, payload any) *delivery {
	return &delivery{url: target, what: what, body: marshal(payload)}
}

func (s *Sim) send(d *delivery) {
	s.post(d)
	if d.dup {
		s.post(d)
	}
}

func (s *Sim) post(d *delivery) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		s.log.Warn("callback not sent", "what", d.what, "url", redact(d.url), "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		s.log.Warn("callback failed", "what", d.what, "url", redact(d.url), "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	s.log.Info("callback sent", "what", d.what, "url", redact(d.url), "status", resp.StatusCode)
}

// marshal writes JSON as Daraja does: '&' in balance strings stays '&' rather than
// Go's default \u0026.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every payload is built from our own structs; failing here is a programming error.
		panic("sim: marshal callback: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// redact drops the query string, which carries our webhook token.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	u.RawQuery = ""
	u.User = nil
	return u.String()
}
