// Package mpesa is the M-Pesa side of Kikundi: the Daraja client (OAuth, STK push and
// query, C2B, B2C, Transaction Status, Account Balance, Reversal), callback parsing and
// handlers, and payment intents with their state machine. mpesa/sim is the Daraja
// simulator that stands in for Safaricom on one machine.
//
// Not built yet: this is the work of the M-Pesa issue. It may import ledger and internal
// only (see DESIGN.md).
package mpesa
