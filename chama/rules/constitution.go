package rules

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Frequency is how often members contribute.
type Frequency string

// The contribution frequencies.
const (
	Weekly  Frequency = "weekly"
	Monthly Frequency = "monthly"
)

// FineBasis says how a late fine is sized.
type FineBasis string

// The fine bases.
const (
	FineFixed   FineBasis = "fixed"   // Fine.Amount shillings
	FinePercent FineBasis = "percent" // Fine.Amount percent of the unpaid contribution
)

// FineRecurrence says how often a late fine is charged while a contribution stays unpaid.
type FineRecurrence string

// The fine recurrences.
const (
	FineOnce      FineRecurrence = "once"
	FineDaily     FineRecurrence = "daily"
	FineEveryWeek FineRecurrence = "weekly"
)

// InterestMethod is how loan interest is computed.
type InterestMethod string

// The interest methods.
const (
	// Flat interest is I = P·r·n on the original principal, spread over the instalments.
	Flat InterestMethod = "flat"
	// Reducing balance interest is charged each month on what is still owed, with equal
	// instalments A = P·r / (1 − (1+r)^−n).
	Reducing InterestMethod = "reducing"
)

// RotationOrder is how a merry-go-round decides whose turn it is.
type RotationOrder string

// The rotation orders.
const (
	RotationJoining RotationOrder = "joining" // the order members joined in
	RotationLottery RotationOrder = "lottery" // shuffled with a recorded seed
	RotationSet     RotationOrder = "set"     // an order the officials set
)

// Fine is the late-contribution fine.
type Fine struct {
	Basis      FineBasis       `json:"basis"`
	Amount     decimal.Decimal `json:"amount"` // shillings (fixed) or percent (e.g. 10 = 10%)
	Recurrence FineRecurrence  `json:"recurrence"`
	Cap        decimal.Decimal `json:"cap"` // most a member can be fined for one period; 0: no cap
}

// Quorum is how many officials must approve each kind of decision. The requester never
// counts towards it.
type Quorum struct {
	Loan       int `json:"loan"`
	Withdrawal int `json:"withdrawal"`
	Payout     int `json:"payout"`
	RuleChange int `json:"rule_change"`
	Membership int `json:"membership"` // role changes, exits, removals, PIN resets, waivers
}

// Constitution is the set of rules a group agreed, one version of it. Changes take effect
// from the next period (see chama), never retroactively.
type Constitution struct {
	Currency string `json:"currency"`

	// Contributions.
	Contribution decimal.Decimal `json:"contribution"` // per member per period, into savings (or the pot)
	Frequency    Frequency       `json:"frequency"`
	// DueDay is the weekday (1 Monday … 7 Sunday) for weekly groups, the day of the month
	// (1 … 28, so every month has it) for monthly ones.
	DueDay          int             `json:"due_day"`
	GraceDays       int             `json:"grace_days"`
	Fine            Fine            `json:"fine"`
	RegistrationFee decimal.Decimal `json:"registration_fee"`
	Welfare         decimal.Decimal `json:"welfare"` // social-fund contribution per period, on top

	// Loans.
	LoanMultiple   decimal.Decimal `json:"loan_multiple"` // limit = multiple × savings (e.g. 3)
	Interest       InterestMethod  `json:"interest"`
	MonthlyRate    decimal.Decimal `json:"monthly_rate"` // e.g. 0.01 = 1% a month
	MaxTermMonths  int             `json:"max_term_months"`
	Guarantors     int             `json:"guarantors"`      // how many must pledge
	GuaranteeShare decimal.Decimal `json:"guarantee_share"` // share of the principal they cover together, 0 … 1
	LatePenalty    decimal.Decimal `json:"late_penalty"`    // share of a late instalment charged once, e.g. 0.05

	Quorum Quorum `json:"quorum"`

	// Savings groups (ASCA/VSLA) and merry-go-rounds.
	ShareValue    decimal.Decimal `json:"share_value"`  // VSLA share price; 0: savings count in shillings
	CycleMonths   int             `json:"cycle_months"` // a cycle ends in a share-out
	Rotation      bool            `json:"rotation"`     // contributions go to the period's pot, not savings
	RotationOrder RotationOrder   `json:"rotation_order"`
}

// ErrInvalidConstitution is wrapped by every refusal of Validate.
var ErrInvalidConstitution = errors.New("rules: invalid constitution")

// Validate refuses rules a group could not run, naming the first rule at fault.
func (c Constitution) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConstitution, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Currency != "KES" && c.Currency != "UGX" && c.Currency != "TZS":
		return bad("currency %q is not KES, UGX or TZS", c.Currency)
	case !positiveCents(c.Contribution):
		return bad("contribution must be above zero, in whole cents")
	case c.Frequency != Weekly && c.Frequency != Monthly:
		return bad("frequency must be weekly or monthly")
	case c.Frequency == Weekly && (c.DueDay < 1 || c.DueDay > 7):
		return bad("a weekly due day is 1 (Monday) to 7 (Sunday)")
	case c.Frequency == Monthly && (c.DueDay < 1 || c.DueDay > 28):
		return bad("a monthly due day is 1 to 28")
	case c.GraceDays < 0 || c.GraceDays > 27:
		return bad("grace days must be 0 to 27")
	case c.Fine.Basis != FineFixed && c.Fine.Basis != FinePercent:
		return bad("fine basis must be fixed or percent")
	case !zeroOrCents(c.Fine.Amount):
		return bad("fine amount must be zero or more, in whole cents")
	case c.Fine.Basis == FinePercent && c.Fine.Amount.GreaterThan(decimal.NewFromInt(100)):
		return bad("a percent fine is at most 100")
	case c.Fine.Recurrence != FineOnce && c.Fine.Recurrence != FineDaily && c.Fine.Recurrence != FineEveryWeek:
		return bad("fine recurrence must be once, daily or weekly")
	case !zeroOrCents(c.Fine.Cap):
		return bad("fine cap must be zero (none) or more, in whole cents")
	case !zeroOrCents(c.RegistrationFee), !zeroOrCents(c.Welfare):
		return bad("fees must be zero or more, in whole cents")
	case c.LoanMultiple.IsNegative() || c.LoanMultiple.GreaterThan(decimal.NewFromInt(10)):
		return bad("loan multiple must be 0 to 10")
	case c.Interest != Flat && c.Interest != Reducing:
		return bad("interest must be flat or reducing")
	case c.MonthlyRate.IsNegative() || c.MonthlyRate.GreaterThan(decimal.RequireFromString("0.5")):
		return bad("monthly rate must be 0 to 0.5")
	case c.MaxTermMonths < 1 || c.MaxTermMonths > 60:
		return bad("maximum term must be 1 to 60 months")
	case c.Guarantors < 0 || c.Guarantors > 5:
		return bad("guarantors must be 0 to 5")
	case c.GuaranteeShare.IsNegative() || c.GuaranteeShare.GreaterThan(decimal.NewFromInt(1)):
		return bad("guarantee share must be 0 to 1")
	case c.Guarantors == 0 && c.GuaranteeShare.IsPositive():
		return bad("a guarantee share needs at least one guarantor")
	case c.LatePenalty.IsNegative() || c.LatePenalty.GreaterThan(decimal.RequireFromString("0.5")):
		return bad("late penalty must be 0 to 0.5")
	case c.Quorum.Loan < 1 || c.Quorum.Withdrawal < 1 || c.Quorum.Payout < 1 || c.Quorum.RuleChange < 1 || c.Quorum.Membership < 1:
		return bad("every quorum needs at least one official")
	case c.Quorum.Loan > 3 || c.Quorum.Withdrawal > 3 || c.Quorum.Payout > 3 || c.Quorum.RuleChange > 3 || c.Quorum.Membership > 3:
		return bad("a quorum is at most 3 (a group has at most three officials who are not the requester)")
	case !zeroOrCents(c.ShareValue):
		return bad("share value must be zero or more, in whole cents")
	case c.CycleMonths < 1 || c.CycleMonths > 36:
		return bad("cycle must be 1 to 36 months")
	case c.Rotation && c.RotationOrder != RotationJoining && c.RotationOrder != RotationLottery && c.RotationOrder != RotationSet:
		return bad("rotation order must be joining, lottery or set")
	}
	return nil
}

// Default is a common table-banking constitution: KES 500 a month due on the 5th, three
// days' grace, a KES 50 fine charged once, loans up to 3x savings at 1% a month reducing
// balance over at most 12 months with two guarantors covering half, 2 of the officials to
// approve money, a 12-month cycle.
func Default() Constitution {
	d := decimal.RequireFromString
	return Constitution{
		Currency: "KES", Contribution: d("500"), Frequency: Monthly, DueDay: 5, GraceDays: 3,
		Fine:            Fine{Basis: FineFixed, Amount: d("50"), Recurrence: FineOnce},
		RegistrationFee: decimal.Zero, Welfare: decimal.Zero,
		LoanMultiple: d("3"), Interest: Reducing, MonthlyRate: d("0.01"), MaxTermMonths: 12,
		Guarantors: 2, GuaranteeShare: d("0.5"), LatePenalty: d("0.05"),
		Quorum:     Quorum{Loan: 2, Withdrawal: 2, Payout: 2, RuleChange: 2, Membership: 2},
		ShareValue: decimal.Zero, CycleMonths: 12, RotationOrder: RotationJoining,
	}
}

func positiveCents(d decimal.Decimal) bool { return d.IsPositive() && d.Equal(d.Round(2)) }
func zeroOrCents(d decimal.Decimal) bool   { return !d.IsNegative() && d.Equal(d.Round(2)) }

// Day is a civil date in Nairobi as the rules carry it: midnight UTC of that date.
func Day(t time.Time) time.Time {
	y, m, d := t.In(nairobi).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// nairobi is East Africa Time, UTC+3 all year (no daylight saving), fixed so the rules
// never depend on the machine's time zone database.
var nairobi = time.FixedZone("EAT", 3*60*60)
