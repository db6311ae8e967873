package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/kikundi/kikundi/mpesa"
)

// runPayments is `kikundi payments stuck|repoll ID`: the M-Pesa payments that need a
// person (the poller gave up, or money confirmed a while ago is still not in the books),
// and putting one back in the poller's queue.
func runPayments(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "stuck" && args[0] != "repoll") || (args[0] == "repoll") != (len(args) == 2) {
		return &usageError{msg: "payments needs: stuck, or repoll ID", usage: printUsage}
	}
	cfg, err := loadConfig(e.getenv, "payments")
	if err != nil {
		return err
	}
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close(newLogger(e, cfg, "payments"))
	d, err := newDomain(ctx, cfg, st, newLogger(e, cfg, "payments"), nil)
	if err != nil {
		return err
	}
	defer d.close()
	if d.payments == nil {
		return fmt.Errorf("M-Pesa is not configured (KIKUNDI_DARAJA_BASE_URL)")
	}
	if args[0] == "repoll" {
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return &usageError{msg: "repoll takes an intent id", usage: printUsage}
		}
		if err := d.payments.Repoll(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "intent %d will be asked about at the next poll (within 15 s)\n", id)
		return nil
	}
	stuck, err := d.payments.Stuck(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tkind\tstatus\tgroup\tamount\treceipt\tpolls\tsince")
	for _, in := range stuck {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", in.ID, in.Kind, in.Status, mpesa.Text(in.GroupCode),
			in.Amount.StringFixed(2), mpesa.Text(in.Receipt), in.Polls, in.CreatedAt.Format("2006-01-02 15:04"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d payment(s) need a look; `kikundi payments repoll ID` asks M-Pesa again\n", len(stuck))
	return nil
}
