// Package mpesa is the M-Pesa side of Kikundi. It holds the Daraja client (OAuth, STK push
// and query, C2B URL registration, B2C, Transaction Status, Account Balance, Reversal) and
// the parsers of what Daraja posts back (STK callbacks, C2B validation and confirmation,
// the Result of the asynchronous calls), all tolerant of Daraja's mixed JSON types and
// misspellings. mpesa/sim is the Daraja simulator that stands in for Safaricom on one
// machine.
//
// Callback handlers and payment intents with their state machine are still to come. The
// package may import ledger and internal only (see DESIGN.md).
package mpesa
