package reconcile

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
)

// MaxItems bounds the items listed in each part of a report; counts and totals are
// always exact.
const MaxItems = 100

// nairobi is East Africa Time, the statement's clock. Fixed: Kenya has no daylight saving.
var nairobi = time.FixedZone("EAT", 3*60*60)

// Report is what Match found. Amounts are signed as money moves through M-Pesa: positive
// paid in, negative withdrawn, on the statement and in the books alike.
type Report struct {
	RunID    int64  `json:"run_id"`
	Source   string `json:"source"`
	Lines    int64  `json:"lines"`    // lines loaded, whatever their status
	Compared int64  `json:"compared"` // distinct receipts on Completed lines
	// First and last Completion Time of a Completed line; nil for a statement without one.
	// Books entries are looked for as missing from M-Pesa from a day before to a day after.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`

	// Matched receipts are in the statement and the books with the same amount, those held
	// in suspense included. Total is their net amount. Items are never listed.
	Matched Part `json:"matched"`
	// MissingFromBooks: on the statement, no entry in the books. Total: statement amounts.
	MissingFromBooks Part `json:"missing_from_books"`
	// MissingFromMpesa: an entry in the books, not on the statement, that occurred within
	// the statement's period. Total: book amounts.
	MissingFromMpesa Part `json:"missing_from_mpesa"`
	// AmountMismatch: in both with different amounts. Total: statement less books.
	AmountMismatch Part `json:"amount_mismatch"`
	// InSuspense: matched, but only as money that matched no group, for an official to
	// assign. Total: book amounts.
	InSuspense Part `json:"in_suspense"`
}

// Part is one kind of finding: how many, how much, and the first MaxItems in time order.
type Part struct {
	Count int64           `json:"count"`
	Total decimal.Decimal `json:"total"`
	Items []Item          `json:"items,omitempty"`
}

// Item is one receipt in a part of the report.
type Item struct {
	Receipt string    `json:"receipt"`
	At      time.Time `json:"at"` // Completion Time, or the entry's occurred_at when the statement lacks it
	Details string    `json:"details,omitempty"`
	// The amount on the statement and in the books; nil where that side has none.
	Statement *decimal.Decimal `json:"statement,omitempty"`
	Books     *decimal.Decimal `json:"books,omitempty"`
	EntryID   int64            `json:"entry_id,omitempty"` // the books entry (the first, if several)
	Suspense  bool             `json:"suspense,omitempty"` // the books hold it in suspense
}

// Clean reports whether the statement and the books agree: nothing missing on either
// side and no amount differs. Money in suspense does not make a report unclean.
func (r Report) Clean() bool {
	return r.MissingFromBooks.Count == 0 && r.MissingFromMpesa.Count == 0 && r.AmountMismatch.Count == 0
}

// WriteText writes the report for a person to read.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "M-Pesa statement reconciliation, run %d: %s\n", r.RunID, r.Source)
	period := "no completed lines"
	if r.From != nil && r.To != nil {
		period = fmt.Sprintf("completed %s to %s (Nairobi)", r.From.In(nairobi).Format(TimeLayout), r.To.In(nairobi).Format(TimeLayout))
	}
	fmt.Fprintf(w, "statement: %d lines, %d receipts compared, %s\n\n", r.Lines, r.Compared, period)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "matched\t%d\tKES %s\t\n", r.Matched.Count, r.Matched.Total.StringFixed(2))
	for _, p := range r.parts() {
		fmt.Fprintf(tw, "%s\t%d\tKES %s\t\n", p.title, p.part.Count, p.part.Total.StringFixed(2))
	}
	_ = tw.Flush()

	for _, p := range r.parts() {
		if p.part.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d):\n", p.title, p.part.Count)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  receipt\ttime (Nairobi)\tstatement\tbooks\tentry\tdetails\n")
		for _, it := range p.part.Items {
			entry := ""
			if it.EntryID != 0 {
				entry = fmt.Sprint(it.EntryID)
				if it.Suspense {
					entry += " (suspense)"
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", it.Receipt, it.At.In(nairobi).Format(TimeLayout),
				amountText(it.Statement), amountText(it.Books), entry, it.Details)
		}
		_ = tw.Flush()
		if more := p.part.Count - int64(len(p.part.Items)); more > 0 {
			fmt.Fprintf(w, "  ... and %d more\n", more)
		}
	}

	verdict := "CLEAN: the statement and the books agree"
	if !r.Clean() {
		verdict = fmt.Sprintf("DIFFERENCES: %d missing from the books, %d missing from M-Pesa, %d amounts differ",
			r.MissingFromBooks.Count, r.MissingFromMpesa.Count, r.AmountMismatch.Count)
	}
	if r.InSuspense.Count > 0 {
		verdict += fmt.Sprintf("; %d in suspense to assign", r.InSuspense.Count)
	}
	fmt.Fprintf(w, "\nreconcile: %s\n", verdict)
}

type titledPart struct {
	title string
	part  Part
}

func (r Report) parts() []titledPart {
	return []titledPart{
		{"missing from books", r.MissingFromBooks},
		{"missing from M-Pesa", r.MissingFromMpesa},
		{"amount mismatch", r.AmountMismatch},
		{"in suspense", r.InSuspense},
	}
}

func amountText(d *decimal.Decimal) string {
	if d == nil {
		return "-"
	}
	return d.StringFixed(2)
}
