package chama

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Refusals. Each says what went wrong in words an official could be shown; USSD and SMS
// translate them with errors.Is.
var (
	ErrUnknownPerson       = errors.New("chama: this phone number is not registered")
	ErrNoConsent           = errors.New("chama: consent to the privacy notice is needed first")
	ErrUnknownGroup        = errors.New("chama: no group with this code")
	ErrGroupCodeTaken      = errors.New("chama: a group with this code already exists")
	ErrInvalidGroup        = errors.New("chama: a group needs a code of 3-12 letters and digits starting with a letter, and a name")
	ErrNotMember           = errors.New("chama: not an active member of this group")
	ErrNotOfficial         = errors.New("chama: only the chair, treasurer or secretary may do this")
	ErrAlreadyMember       = errors.New("chama: already a member or invited")
	ErrNotInvited          = errors.New("chama: no invitation to this group")
	ErrOfficeTaken         = errors.New("chama: someone already holds this office")
	ErrInvalidRole         = errors.New("chama: role must be chair, treasurer, secretary or member")
	ErrNoPIN               = errors.New("chama: no PIN set yet")
	ErrPINNotReset         = errors.New("chama: the current PIN is needed (or an approved PIN reset)")
	ErrUnknownApproval     = errors.New("chama: no such approval")
	ErrApprovalClosed      = errors.New("chama: this decision has already been made")
	ErrApprovalExpired     = errors.New("chama: this approval has expired")
	ErrOwnRequest          = errors.New("chama: you cannot approve your own request")
	ErrAlreadyVoted        = errors.New("chama: you have already voted on this")
	ErrQuorumImpossible    = errors.New("chama: the group has too few officials to approve this")
	ErrPending             = errors.New("chama: a request for this is already waiting for approval")
	ErrInvalidAmount       = errors.New("chama: amount must be above zero in whole cents")
	ErrMpesaLimit          = errors.New("chama: M-Pesa moves 10 to 250,000 per payout")
	ErrCashAmount          = errors.New("chama: a cash contribution is whole shillings, 1 to 100,000")
	ErrOwnCash             = errors.New("chama: another official records the cash you hand over")
	ErrCashInHand          = errors.New("chama: cash from meetings is still to be paid in or confirmed")
	ErrUnknownLoan         = errors.New("chama: no such loan")
	ErrLoanState           = errors.New("chama: the loan is not at a step where this can be done")
	ErrInArrears           = errors.New("chama: contributions or fines are overdue")
	ErrActiveLoan          = errors.New("chama: a loan is still being repaid")
	ErrNotGuarantor        = errors.New("chama: not asked to guarantee this loan")
	ErrSelfGuarantee       = errors.New("chama: a borrower cannot guarantee their own loan")
	ErrUnknownPayout       = errors.New("chama: no such payout")
	ErrNotYourTurn         = errors.New("chama: nobody is due this payout")
	ErrShortPot            = errors.New("chama: the period's contributions are not all in")
	ErrDuplicateReceipt    = errors.New("chama: this M-Pesa receipt was already applied to another payment")
	ErrUnknownReceipt      = errors.New("chama: receipt must be 6-20 capital letters and digits")
	ErrOwesGroup           = errors.New("chama: still owes the group")
	ErrInsufficientSavings = errors.New("chama: free savings do not cover this")
)

// WrongPINError is a wrong PIN and how many tries are left before the PIN locks.
type WrongPINError struct{ TriesLeft int }

var _ error = (*WrongPINError)(nil)

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("chama: wrong PIN (%d tries left)", e.TriesLeft)
}

// ErrWrongPIN matches every WrongPINError.
var ErrWrongPIN = errors.New("chama: wrong PIN")

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// PINLockedError says until when a PIN is locked after too many wrong tries.
type PINLockedError struct{ Until time.Time }

var _ error = (*PINLockedError)(nil)

func (e *PINLockedError) Error() string {
	return "chama: PIN locked after 3 wrong tries until " + e.Until.UTC().Format(time.RFC3339)
}

// ErrPINLocked matches every PINLockedError.
var ErrPINLocked = errors.New("chama: PIN locked")

// Is makes errors.Is(err, ErrPINLocked) true.
func (e *PINLockedError) Is(target error) bool { return target == ErrPINLocked }

// OverLimitError is a loan request above what the member may borrow, with the limit.
type OverLimitError struct{ Limit decimal.Decimal }

var _ error = (*OverLimitError)(nil)

func (e *OverLimitError) Error() string {
	return "chama: above the loan limit of " + e.Limit.StringFixed(2)
}

// ErrOverLimit matches every OverLimitError.
var ErrOverLimit = errors.New("chama: above the loan limit")

// Is makes errors.Is(err, ErrOverLimit) true.
func (e *OverLimitError) Is(target error) bool { return target == ErrOverLimit }
