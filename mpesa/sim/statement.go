package sim

import (
	"bytes"
	"encoding/csv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// statementHeader is Safaricom's organisation-statement columns, which
// `kikundi reconcile statement` reads.
var statementHeader = []string{"Receipt No.", "Completion Time", "Details", "Transaction Status", "Paid In", "Withdrawn", "Balance"}

// statementRow is one settled transaction. Paid In and Withdrawn are both positive; the
// one that does not apply is left empty. Balance is the organisation's total (working
// plus utility account) after the row.
type statementRow struct {
	receipt   string
	completed time.Time
	details   string
	paidIn    decimal.Decimal
	withdrawn decimal.Decimal
	balance   decimal.Decimal
}

func (s *Sim) handleStatement(c *fiber.Ctx) error {
	s.mu.Lock()
	rows := append([]statementRow(nil), s.statement...)
	s.mu.Unlock()

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(statementHeader) // writes to a bytes.Buffer cannot fail; Flush reports the rest
	for _, r := range rows {
		_ = w.Write([]string{
			r.receipt,
			r.completed.In(nairobi).Format("2006-01-02 15:04:05"),
			r.details,
			"Completed",
			amountCell(r.paidIn),
			amountCell(r.withdrawn),
			r.balance.StringFixed(2),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	return c.Send(buf.Bytes())
}

func amountCell(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.StringFixed(2)
}
