package ledger

import "gorm.io/gorm"

// DB exposes the handle a ledger writes through, so the external tests can count, read
// and tamper with rows directly, as a session in psql would.
func DB(l *Ledger) *gorm.DB { return l.db }
