package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The floor phases take the ledger's Go side out of the measurement: pgbench, a C client
// that costs little, calls Postgres directly, so what they measure is what Postgres
// itself can do on this machine at this moment, beside the TPC-B figure of the same run.
//
//   - bare: the yardstick, a PL/pgSQL function that moves money with two UPDATEs
//     and one INSERT and keeps none of the ledger's invariants, one call a transaction
//     from every client;
//   - floor: ledger_post itself, each call writing as many transfers as a Batcher's
//     commit can hold when the clients' transfers are shared out over -flushers
//     connections (8 clients and 2 flushers: 4 transfers a call on 2 connections). No
//     caller of the ledger's Go API can go faster with that many clients.

// bareSQL is the yardstick's schema, in the bench's own database.
const bareSQL = `
CREATE TABLE bare_accounts (id INT PRIMARY KEY, balance NUMERIC(18,2) NOT NULL);
INSERT INTO bare_accounts SELECT g, 1000000 FROM generate_series(1, 10000) g;
CREATE TABLE bare_history (id BIGSERIAL, debit INT, credit INT, amount NUMERIC(18,2),
                           at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE FUNCTION bare_transfer(p_debit INT, p_credit INT, p_amount NUMERIC) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bare_accounts SET balance = balance - p_amount WHERE id = p_debit;
    UPDATE bare_accounts SET balance = balance + p_amount WHERE id = p_credit;
    INSERT INTO bare_history (debit, credit, amount) VALUES (p_debit, p_credit, p_amount);
END
$$;`

const bareScript = `\set a random(1, 10000)
\set b random(1, 10000)
SELECT bare_transfer(:a, :b, 1);
`

// floorScript is one ledger_post call of n two-leg transfers of 1.00 between random
// neighbouring accounts of the fixture, under fresh keys.
func floorScript(fx *fixture, n int) string {
	lo, hi := fx.accounts[0], fx.accounts[len(fx.accounts)-1]
	var b strings.Builder
	b.WriteString("\\set k random(1, 1000000000000000)\n")
	for i := range n {
		fmt.Fprintf(&b, "\\set a%d random(%d, %d)\n", i, lo, hi-1)
	}
	b.WriteString("SELECT count(*) FROM ledger_post(jsonb_build_array(")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "jsonb_build_object('b', %d, 'k', 'floor:' || :k::text || ':%d', 'h', '%064x', 't', 'transfer', "+
			"'m', '', 'r', '{}'::jsonb, 'c', 'KES', 'a', jsonb_build_array(:a%d::bigint, :a%d::bigint + 1), 'v', jsonb_build_array('1.00', '-1.00'))",
			fx.book, i, i, i, i)
	}
	b.WriteString("));\n")
	return b.String()
}

// pgbenchScript runs script with pgbench in prepared mode and returns its transactions
// a second, printing the machine's CPU per transfer (perCall transfers a transaction).
func pgbenchScript(ctx context.Context, dbURL, name, script string, clients, perCall int, d time.Duration) (float64, error) {
	dir, err := os.MkdirTemp("", "ledger-bench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, name+".sql")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		return 0, err
	}
	r, err := runPgbench(ctx, "-n", "-M", "prepared", "-c", strconv.Itoa(clients),
		"-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(int(d.Seconds())), "-f", file, dbURL)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	transfers := r.tps * float64(perCall)
	if n := transfers * r.seconds; n > 0 {
		fmt.Printf("  CPU per transfer, the whole machine: %.0f µs\n", r.busy/n*1e6)
	}
	return transfers, nil
}

// floors runs the two floor phases and returns their transfers a second.
func floors(ctx context.Context, db *gorm.DB, dbURL string, fx *fixture, o options) (bare, floor float64, err error) {
	if err := db.WithContext(ctx).Exec(bareSQL).Error; err != nil {
		return 0, 0, fmt.Errorf("bare transfer schema: %w", err)
	}
	fmt.Printf("bare PL/pgSQL transfer (two UPDATEs, one INSERT, no invariants) from pgbench, %d clients\n", o.clients)
	if bare, err = pgbenchScript(ctx, dbURL, "bare", bareScript, o.clients, 1, o.duration); err != nil {
		return 0, 0, err
	}
	fmt.Printf("  transfers/s %.0f\n", bare)
	perCall := max(o.clients/o.flushers, 1)
	fmt.Printf("ledger_post from pgbench, %d transfers a call on %d connections (%d clients' transfers, no Go)\n",
		perCall, o.flushers, o.clients)
	if floor, err = pgbenchScript(ctx, dbURL, "floor", floorScript(fx, perCall), o.flushers, perCall, o.duration); err != nil {
		return 0, 0, err
	}
	fmt.Printf("  transfers/s %.0f\n", floor)
	return bare, floor, nil
}
