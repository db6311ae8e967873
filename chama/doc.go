// Package chama is what a savings group is: people and their roles, the rules they agreed
// (a versioned constitution), contributions and arrears, fines, loans and guarantees,
// approvals, payouts, welfare and share-out, statements and scores. It has no HTTP and no
// menus: USSD, SMS and the workers call it, and every money fact it records is entries in
// the group's book in package ledger, never a balance of its own.
//
// Not built yet: this is the work of the chama domain issue. It may import ledger and
// internal only (see DESIGN.md).
package chama
