package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/ledger"
)

// The demo group `kikundi dev` starts with: officials and members with phones and PINs a
// developer can dial in as, and a month of contributions in the books.
const (
	demoGroup = "UMOJA"
	demoPIN   = "2580"
)

var demoPeople = []struct {
	name, phone string
	role        chama.Role
	lang        string
	paid        string // January's contribution; "" for none yet
}{
	{"Wanjiru Kamau", "0711000001", chama.RoleChair, "sw", "500"},
	{"Otieno Ochieng", "0711000002", chama.RoleTreasurer, "en", "500"},
	{"Akinyi Atieno", "0711000003", chama.RoleSecretary, "sw", "500"},
	{"Baraka Mwangi", "0711000004", chama.RoleMember, "sw", "500"},
	{"Chebet Kiprono", "0711000005", chama.RoleMember, "en", ""},
}

// seedDemo writes the demo group unless it is there: its people (consenting, PIN 2580),
// officials, default constitution, and contributions applied as M-Pesa receipts would be.
func seedDemo(ctx context.Context, db *gorm.DB, out io.Writer) error {
	s := chama.New(chama.Options{DB: db})
	if _, err := s.GroupByCode(ctx, demoGroup); err == nil {
		return printDemo(ctx, s, db, out)
	} else if !errors.Is(err, chama.ErrUnknownGroup) {
		return fmt.Errorf("seed demo: %w", err)
	}
	actor := func(i int) chama.Actor { return chama.Actor{Phone: demoPeople[i].phone, Channel: chama.System} }
	for i, p := range demoPeople {
		if _, err := s.Register(ctx, p.phone, p.name, p.lang); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		if err := s.GiveConsent(ctx, actor(i)); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		if err := s.SetPIN(ctx, actor(i), "", demoPIN); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	c := rules.Default()
	g, err := s.CreateGroup(ctx, actor(0), chama.NewGroup{Code: demoGroup, Name: "Umoja Demo Chama", Rules: c})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	for i, p := range demoPeople[1:] {
		if _, err := s.Invite(ctx, actor(0), g.Code, p.phone, p.name, p.role); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		if _, err := s.Accept(ctx, actor(i+1), g.Code); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	if _, err := s.RaiseDues(ctx, g.Code); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	for i, p := range demoPeople {
		if p.paid == "" {
			continue
		}
		if _, err := s.ReceivePayment(ctx, chama.Payment{Group: g.Code, Phone: p.phone, Receipt: fmt.Sprintf("SIM%07d", i+1),
			Amount: decimal.RequireFromString(p.paid), Purpose: chama.ForContribution, ReceivedAt: time.Now()}); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	if _, err := ledger.New(db).ChainPending(ctx, 500); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	return printDemo(ctx, s, db, out)
}

func printDemo(ctx context.Context, s *chama.Service, db *gorm.DB, out io.Writer) error {
	g, err := s.GroupByCode(ctx, demoGroup)
	if err != nil {
		return err
	}
	l := ledger.New(db)
	cash, err := l.AccountByCode(ctx, g.BookID, "cash")
	if err != nil {
		return err
	}
	fp, err := l.Fingerprint(ctx, g.BookID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo group: %s (%s), cash KES %s, book fingerprint %s\n", g.Code, g.Name, cash.Balance.StringFixed(2), fp)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  phone\tname\trole\tPIN")
	for _, p := range demoPeople {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.phone, p.name, p.role, demoPIN)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "  check the books any time with: go run ./cmd/kikundi ledger verify")
	return nil
}
