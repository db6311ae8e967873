package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/internal/simswap"
)

// runSIMSwap is `kikundi sim-swap PHONE [TIME]`: an operator told by the telco (or by a
// member who lost their line) that a number's SIM changed records it, and from then until
// 72 hours after the change the number cannot take money out or approve anything.
func runSIMSwap(ctx context.Context, e env, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return &usageError{msg: "sim-swap needs: PHONE [TIME]", usage: printUsage}
	}
	e164, err := phone.Normalize(args[0])
	if err != nil {
		return &usageError{msg: err.Error(), usage: printUsage}
	}
	at := time.Now()
	if len(args) == 2 {
		if at, err = time.Parse(time.RFC3339, args[1]); err != nil {
			return &usageError{msg: "TIME must be RFC 3339, e.g. 2026-11-22T09:00:00+03:00", usage: printUsage}
		}
	}
	cfg, err := loadConfig(e.getenv, "sim-swap")
	if err != nil {
		return err
	}
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close(newLogger(e, cfg, "sim-swap"))
	if err := (simswap.Sandbox{DB: st.db}).Record(ctx, e164, at); err != nil {
		return err
	}
	logger := newLogger(e, cfg, "sim-swap")
	d, err := newDomain(ctx, cfg, st, logger, nil)
	if err != nil {
		return err
	}
	defer d.close()
	held, err := d.groups.SIMSwapReported(ctx, e164) // the officials hear of it now
	if err != nil {
		return err
	}
	if !held {
		fmt.Fprintf(e.stdout, "%s: SIM changed at %s, more than %s ago: nothing is held\n", phone.Mask(e164),
			at.Format(time.RFC3339), chama.SIMSwapHold)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: SIM changed at %s; payouts and approvals from it wait until %s; its groups' officials are told\n",
		phone.Mask(e164), at.Format(time.RFC3339), at.Add(chama.SIMSwapHold).Format(time.RFC3339))
	return nil
}
