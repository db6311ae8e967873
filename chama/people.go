package chama

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/phone"
)

// NoticeVersion is the privacy notice members consent to now. A new version of the notice
// needs new consent.
const NoticeVersion = "2026-11"

// Person is someone with a phone. Their PIN hash never leaves this package.
type Person struct {
	ID             int64      `gorm:"column:id"`
	Phone          string     `gorm:"column:phone"`
	Name           string     `gorm:"column:name"`
	Lang           string     `gorm:"column:lang"`
	PINHash        *string    `gorm:"column:pin_hash" json:"-"`
	PINFailures    int        `gorm:"column:pin_failures"`
	PINLockedUntil *time.Time `gorm:"column:pin_locked_until"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
}

// HasPIN reports whether a PIN has been set.
func (p Person) HasPIN() bool { return p.PINHash != nil }

// Register returns the person with this phone (written any way Kenyans write it),
// creating them if new. name and lang are only set on creation; lang defaults to sw.
func (s *Service) Register(ctx context.Context, rawPhone, name, lang string) (Person, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Person{}, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 60 {
		name = string([]rune(name)[:60])
	}
	if lang != "en" {
		lang = "sw"
	}
	var p Person
	err = s.tx(ctx, func(t *txn) error {
		p, err = t.register(e164, name, lang)
		return err
	})
	return p, err
}

// register is Register inside a transaction, for a phone already normalised.
func (t *txn) register(e164, name, lang string) (Person, error) {
	if err := t.db.Exec(`INSERT INTO chama_people (phone, name, lang, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (phone) DO NOTHING`,
		e164, name, lang, t.s.now()).Error; err != nil {
		return Person{}, fmt.Errorf("register %s: %w", e164, err)
	}
	return t.personByPhone(e164)
}

// PersonByPhone finds a registered person.
func (s *Service) PersonByPhone(ctx context.Context, rawPhone string) (Person, error) {
	e164, err := phone.Normalize(rawPhone)
	if err != nil {
		return Person{}, err
	}
	var p Person
	err = s.tx(ctx, func(t *txn) error {
		p, err = t.personByPhone(e164)
		return err
	})
	return p, err
}

func (t *txn) personByPhone(e164 string) (Person, error) {
	var p Person
	err := t.db.Table("chama_people").Where("phone = ?", e164).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Person{}, ErrUnknownPerson
	}
	return p, err
}

// actor resolves who is acting: a registered person who has consented.
func (t *txn) actor(a Actor) (Person, error) {
	e164, err := phone.Normalize(a.Phone)
	if err != nil {
		return Person{}, err
	}
	p, err := t.personByPhone(e164)
	if err != nil {
		return Person{}, err
	}
	var n int64
	if err := t.db.Table("chama_consents").Where("person_id = ? AND withdrawn_at IS NULL", p.ID).Count(&n).Error; err != nil {
		return Person{}, err
	}
	if n == 0 {
		return Person{}, ErrNoConsent
	}
	return p, nil
}

// SetLanguage records the language a person reads: sw or en.
func (s *Service) SetLanguage(ctx context.Context, a Actor, lang string) error {
	if lang != "sw" && lang != "en" {
		return fmt.Errorf("chama: language must be sw or en")
	}
	return s.tx(ctx, func(t *txn) error {
		p, err := t.personFor(a)
		if err != nil {
			return err
		}
		if err := t.db.Exec(`UPDATE chama_people SET lang = ? WHERE id = ?`, lang, p.ID).Error; err != nil {
			return err
		}
		return t.audit(0, p.ID, a.Channel, "person.language", p.ID, map[string]any{"lang": lang})
	})
}

// personFor is the person behind an actor, consent or not (consenting is itself an act).
func (t *txn) personFor(a Actor) (Person, error) {
	e164, err := phone.Normalize(a.Phone)
	if err != nil {
		return Person{}, err
	}
	return t.personByPhone(e164)
}

// GiveConsent records express consent to the current privacy notice, once: consenting
// again while consent is in force changes nothing.
func (s *Service) GiveConsent(ctx context.Context, a Actor) error {
	return s.tx(ctx, func(t *txn) error {
		p, err := t.personFor(a)
		if err != nil {
			return err
		}
		res := t.db.Exec(`INSERT INTO chama_consents (person_id, notice_version, channel) VALUES (?, ?, ?)
			ON CONFLICT (person_id) WHERE withdrawn_at IS NULL DO NOTHING`, p.ID, NoticeVersion, string(a.Channel))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return t.audit(0, p.ID, a.Channel, "consent.given", p.ID, map[string]any{"notice": NoticeVersion})
	})
}

// WithdrawConsent ends consent. The person's money stays theirs and the books keep their
// history (the law lets a group keep financial records), but nothing new is processed for
// them until they consent again.
func (s *Service) WithdrawConsent(ctx context.Context, a Actor) error {
	return s.tx(ctx, func(t *txn) error {
		p, err := t.personFor(a)
		if err != nil {
			return err
		}
		res := t.db.Exec(`UPDATE chama_consents SET withdrawn_at = now() WHERE person_id = ? AND withdrawn_at IS NULL`, p.ID)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return t.audit(0, p.ID, a.Channel, "consent.withdrawn", p.ID, nil)
	})
}

// HasConsent reports whether the person behind a phone has consent in force.
func (s *Service) HasConsent(ctx context.Context, rawPhone string) (bool, error) {
	err := s.tx(ctx, func(t *txn) error {
		_, err := t.actor(Actor{Phone: rawPhone})
		return err
	})
	if errors.Is(err, ErrNoConsent) || errors.Is(err, ErrUnknownPerson) {
		return false, nil
	}
	return err == nil, err
}
