package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/ledger"
	"github.com/kikundi/kikundi/workers"
)

// runLedger is `kikundi ledger verify [--json]`: exit 0 when every invariant holds, 1 when
// any is broken (the report names each violation), 2 when the check could not run.
func runLedger(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return &usageError{msg: "ledger needs a subcommand: verify [--json]", usage: printUsage}
	}
	f := newFlags("ledger verify", "[--json]",
		"Checks every ledger invariant: balanced entries, running and account balances, holds,\n"+
			"overdraft policy, mirror pairs, reversals and each book's hash chain.")
	asJSON := f.Bool("json", false, "print the report as JSON")
	if err := f.parse(args[1:], e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, "ledger")
	if err != nil {
		return withExitCode(2, err)
	}
	db, err := openPostgres(ctx, cfg)
	if err != nil {
		return withExitCode(2, err)
	}
	defer func() { _ = database.ClosePostgres(db) }()

	rep, err := ledger.New(db).Verify(ctx)
	if err != nil {
		return withExitCode(2, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return withExitCode(2, fmt.Errorf("write report: %w", err))
		}
	} else {
		rep.WriteText(e.stdout)
	}
	if !rep.OK {
		return withExitCode(1, nil)
	}
	return nil
}

// ledgerMaintenance adapts the ledger to what the periodic workers need.
type ledgerMaintenance struct{ l *ledger.Ledger }

func newLedgerMaintenance(db *gorm.DB) workers.LedgerMaintenance {
	return ledgerMaintenance{l: ledger.New(db)}
}

func (m ledgerMaintenance) ChainPending(ctx context.Context, limit int) (int, error) {
	return m.l.ChainPending(ctx, limit)
}

func (m ledgerMaintenance) ExpireHolds(ctx context.Context, now time.Time) (int, error) {
	return m.l.ExpireHolds(ctx, now)
}

func (m ledgerMaintenance) VerifyAll(ctx context.Context) (bool, string, error) {
	rep, err := m.l.Verify(ctx)
	if err != nil {
		return false, "", err
	}
	var b strings.Builder
	rep.WriteText(&b)
	return rep.OK, b.String(), nil
}
