package rules

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
)

// Record is a member's history in the group, the only data the score is built from: counts
// the group's books already hold, so a member can check every figure.
type Record struct {
	PeriodsDue, PeriodsOnTime            int // contribution periods due so far, and paid on time
	InstalmentsDue, InstalmentsOnTime    int // loan instalments due so far, and repaid on time
	GuaranteesCalled, GuaranteesHonoured int // times a loan they guaranteed was called on them, and paid
	Fines                                int // late fines charged
	TenureMonths                         int // whole months since joining
	Defaults                             int // loans written off or recovered from guarantors
}

// Reason is one part of a score, in points, that a member is told. Code is a stable
// machine key; the words a member reads are translated elsewhere.
type Reason struct {
	Code   string
	Points int
}

// The reason codes.
const (
	ReasonContributionsOnTime   = "contributions_on_time"
	ReasonLateContributions     = "late_contributions"
	ReasonRepaidOnTime          = "repaid_on_time"
	ReasonLateRepayments        = "late_repayments"
	ReasonGuaranteesHonoured    = "guarantees_honoured"
	ReasonGuaranteesNotHonoured = "guarantees_not_honoured"
	ReasonFines                 = "fines"
	ReasonDefault               = "default"
	ReasonTenure                = "tenure"
	ReasonNewMember             = "new_member"
)

// MaxReasons is how many reasons a score gives: what fits on one feature-phone screen.
const MaxReasons = 3

// Score is an explainable member score, 0 … 100, with the reasons that weigh most in it.
type Score struct {
	Value   int
	Reasons []Reason // at most MaxReasons, largest |Points| first, then by Code
}

// The score's weights. A member starts at scoreBase; each part below adds or takes points;
// the sum is clamped to 0 … 100. A ratio part with no history (nothing due) gives 0.
const (
	scoreBase = 50
	// Contributions: on-time share q of the periods due gives floor(40·q) − 15 points,
	// −15 (never on time) … +25 (always).
	contributionSpan, contributionOffset = 40, 15
	// Repayments: on-time share q of the instalments due gives floor(25·q) − 10 points,
	// −10 … +15.
	repaymentSpan, repaymentOffset = 25, 10
	// Guarantees: honoured share q of the guarantees called gives floor(15·q) − 10 points,
	// −10 … +5.
	guaranteeSpan, guaranteeOffset = 15, 10
	// Tenure: one point per full 3 months in the group, up to +10 (30 months).
	tenureMonthsPerPoint, tenureMaxPoints = 3, 10
	// Fines: −2 points per fine, down to −10.
	finePoints, fineMaxPoints = 2, 10
	// Defaults: −30 points each, without floor (the score itself stops at 0).
	defaultPoints = 30
)

// ScoreOf scores a member's record, so that loan limits and lenders can rely on a figure
// a member can understand and check: it starts at 50 and adds or takes points for
// contributions and repayments on time, guarantees honoured, tenure, fines and defaults
// (see the weights above), clamped to 0 … 100. A member with no history (nothing due, no
// guarantee called, no fine, no default) scores a neutral 50, plus any tenure points, and
// is given the reason "new_member" (0 points). Every part depends on one thing only and
// never falls as it improves, so doing better never lowers the score: more periods or
// instalments on time, more guarantees honoured, longer tenure, fewer fines or defaults.
//
// Counts are sanitised: negative counts are 0 and on-time counts are at most the counts due.
func ScoreOf(r Record) Score {
	r = sanitise(r)
	var reasons []Reason
	if r.PeriodsDue == 0 && r.InstalmentsDue == 0 && r.GuaranteesCalled == 0 && r.Fines == 0 && r.Defaults == 0 {
		// No history: the parts below are all 0 but tenure, and the member is told why.
		reasons = append(reasons, Reason{Code: ReasonNewMember})
	}
	add := func(points int, good, poor string) {
		switch {
		case points > 0:
			reasons = append(reasons, Reason{Code: good, Points: points})
		case points < 0:
			reasons = append(reasons, Reason{Code: poor, Points: points})
		}
	}
	add(ratioPoints(r.PeriodsOnTime, r.PeriodsDue, contributionSpan, contributionOffset), ReasonContributionsOnTime, ReasonLateContributions)
	add(ratioPoints(r.InstalmentsOnTime, r.InstalmentsDue, repaymentSpan, repaymentOffset), ReasonRepaidOnTime, ReasonLateRepayments)
	add(ratioPoints(r.GuaranteesHonoured, r.GuaranteesCalled, guaranteeSpan, guaranteeOffset), ReasonGuaranteesHonoured, ReasonGuaranteesNotHonoured)
	add(min(r.TenureMonths/tenureMonthsPerPoint, tenureMaxPoints), ReasonTenure, ReasonTenure)
	add(-min(r.Fines*finePoints, fineMaxPoints), ReasonFines, ReasonFines)
	add(-r.Defaults*defaultPoints, ReasonDefault, ReasonDefault)

	value := scoreBase
	for _, reason := range reasons {
		value += reason.Points
	}
	slices.SortFunc(reasons, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(abs(b.Points), abs(a.Points)), cmp.Compare(a.Code, b.Code))
	})
	if len(reasons) > MaxReasons {
		reasons = reasons[:MaxReasons]
	}
	return Score{Value: clamp(value, 0, 100), Reasons: reasons}
}

// ratioPoints is floor(span·done/due) − offset, or 0 when nothing was due.
func ratioPoints(done, due, span, offset int) int {
	if due == 0 {
		return 0
	}
	return span*done/due - offset
}

// sanitise makes a record's counts consistent, bounding them so the arithmetic cannot
// overflow: none negative, none above a million, none on time more often than due.
func sanitise(r Record) Record {
	const most = 1_000_000
	c := func(v int) int { return clamp(v, 0, most) }
	r.PeriodsDue, r.InstalmentsDue, r.GuaranteesCalled = c(r.PeriodsDue), c(r.InstalmentsDue), c(r.GuaranteesCalled)
	r.PeriodsOnTime = clamp(r.PeriodsOnTime, 0, r.PeriodsDue)
	r.InstalmentsOnTime = clamp(r.InstalmentsOnTime, 0, r.InstalmentsDue)
	r.GuaranteesHonoured = clamp(r.GuaranteesHonoured, 0, r.GuaranteesCalled)
	r.Fines, r.TenureMonths, r.Defaults = c(r.Fines), c(r.TenureMonths), c(r.Defaults)
	return r
}

func abs(v int) int { return max(v, -v) }

// The loan-limit scaling: a score of fullLimitScore or more gets the whole multiple of
// savings, noLimitScore or less gets nothing, and scores between are scaled linearly.
const (
	fullLimitScore = 60
	noLimitScore   = 20
)

// LoanLimit is the most a member may borrow: savings × multiple (the constitution's
// LoanMultiple), scaled by the member's score so that a poor record lends less without a
// discretionary refusal: the full amount at a score of 60 or more, nothing at 20 or less,
// and (Value − 20)/40 of it between, rounded down to whole shillings. Negative savings or
// multiple lend nothing.
func LoanLimit(savings decimal.Decimal, multiple decimal.Decimal, s Score) decimal.Decimal {
	base := savings.Mul(multiple)
	if !savings.IsPositive() || !multiple.IsPositive() || s.Value <= noLimitScore {
		return decimal.Zero
	}
	if s.Value >= fullLimitScore {
		return base.Floor()
	}
	scaled, _ := base.Mul(decimal.NewFromInt(int64(s.Value-noLimitScore))).
		QuoRem(decimal.NewFromInt(fullLimitScore-noLimitScore), 0)
	return scaled
}
