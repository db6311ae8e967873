// Package chama is what a savings group is: people and their roles, the rules they agreed
// (a versioned constitution, see chama/rules), contributions and arrears, fines, loans and
// guarantees, approvals, payouts, welfare and share-out, statements and scores. It has no
// HTTP and no menus: USSD, SMS and the workers call it, and every money fact it records is
// entries in the group's book in package ledger, never a balance of its own.
//
// The tables (migrations/00002_chama.sql) hold obligations, decisions and the links from
// each to the ledger entry or hold that carried it out. What chama needs from outside (an
// M-Pesa payout, a notification to a member) it declares as small interfaces in ports.go;
// cmd/kikundi hands it the implementations.
package chama
