// Package sim is the Daraja simulator: it stands in for Safaricom's M-Pesa API on one
// machine, serving OAuth, STK push and query, C2B, B2C, Transaction Status, Reversal and
// Account Balance at their real paths with the real wire formats, quirks included. It owns
// the simulated customers' wallets, the organisation's accounts and statement, and a
// control API (/simulator/...) through which tests and demos script customers and inject
// the callback faults that reconciliation must survive.
package sim
