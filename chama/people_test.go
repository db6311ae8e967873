package chama_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/internal/pin"
)

func TestRegisterNormalisesPhones(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 5, 9))
	for _, raw := range []string{"0712 345 678", "+254712345678", "254712345678", "712345678"} {
		p, err := w.s.Register(w.ctx, raw, "Wanjiru", "en")
		if err != nil {
			t.Fatalf("register %q: %v", raw, err)
		}
		if p.Phone != "+254712345678" || p.Lang != "en" {
			t.Errorf("register %q = %s %s, want +254712345678 en", raw, p.Phone, p.Lang)
		}
	}
	if _, err := w.s.Register(w.ctx, "020 222 2222", "Office", "en"); !errors.Is(err, phone.ErrNotKenyanMobile) {
		t.Errorf("landline: err = %v, want ErrNotKenyanMobile", err)
	}
}

func TestConsentIsNeededToAct(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 5, 9))
	a := chama.Actor{Phone: "0722000111", Channel: chama.USSD}
	if _, err := w.s.Register(w.ctx, a.Phone, "Baraka", "sw"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.CreateGroup(w.ctx, a, chama.NewGroup{Code: "BARAKA", Name: "Baraka", Rules: defaultRules()}); !errors.Is(err, chama.ErrNoConsent) {
		t.Fatalf("without consent: err = %v, want ErrNoConsent", err)
	}
	if err := w.s.GiveConsent(w.ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := w.s.GiveConsent(w.ctx, a); err != nil { // twice changes nothing
		t.Fatal(err)
	}
	if ok, _ := w.s.HasConsent(w.ctx, a.Phone); !ok {
		t.Fatal("consent not in force")
	}
	if err := w.s.WithdrawConsent(w.ctx, a); err != nil {
		t.Fatal(err)
	}
	if ok, _ := w.s.HasConsent(w.ctx, a.Phone); ok {
		t.Fatal("consent still in force after withdrawal")
	}
}

func TestPINLocksAfterThreeWrongTries(t *testing.T) {
	t.Parallel()
	w := newWorld(t, eat(2026, 1, 5, 9))
	a := w.person("wanjiru")
	if err := w.s.CheckPIN(w.ctx, a.Phone, testPIN); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	var wrong *chama.WrongPINError
	for left := 2; left >= 1; left-- {
		err := w.s.CheckPIN(w.ctx, a.Phone, "1357")
		if !errors.As(err, &wrong) || wrong.TriesLeft != left {
			t.Fatalf("wrong PIN: err = %v, want %d tries left", err, left)
		}
	}
	if err := w.s.CheckPIN(w.ctx, a.Phone, "1357"); !errors.Is(err, chama.ErrPINLocked) {
		t.Fatalf("third wrong PIN: err = %v, want ErrPINLocked", err)
	}
	if err := w.s.CheckPIN(w.ctx, a.Phone, testPIN); !errors.Is(err, chama.ErrPINLocked) {
		t.Fatalf("right PIN while locked: err = %v, want ErrPINLocked", err)
	}
	if got := w.notes.kinds(w.phones["wanjiru"]); len(got) == 0 || got[len(got)-1] != "pin.locked" {
		t.Errorf("notices = %v, want a pin.locked notice", got)
	}
	w.clock.add(chama.PINLockTime + time.Minute)
	if err := w.s.CheckPIN(w.ctx, a.Phone, testPIN); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	if err := w.s.SetPIN(w.ctx, a, testPIN, "1111"); !errors.Is(err, pin.ErrTooSimple) {
		t.Errorf("set PIN 1111: err = %v, want pin.ErrTooSimple", err)
	}
	if err := w.s.SetPIN(w.ctx, a, "9999", "4826"); !errors.Is(err, chama.ErrWrongPIN) {
		t.Errorf("change with a wrong current PIN: err = %v, want ErrWrongPIN", err)
	}
	if err := w.s.SetPIN(w.ctx, a, testPIN, "4826"); err != nil {
		t.Fatalf("change PIN: %v", err)
	}
	if err := w.s.CheckPIN(w.ctx, a.Phone, "4826"); err != nil {
		t.Fatalf("new PIN: %v", err)
	}
}
