// Package reconcile proves the platform book against M-Pesa's own record: it streams an
// organisation statement (CSV) into Postgres and compares every completed receipt with
// the platform book's entry for it. It only reports; corrections are made elsewhere, by
// people or rules, as reversing or assigning entries.
package reconcile
