package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

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
// officials, default constitution and this period's dues. Their first contributions come
// through M-Pesa once everything runs (payDemoContributions).
func seedDemo(ctx context.Context, db *gorm.DB) error {
	s := chama.New(chama.Options{DB: db})
	if _, err := s.GroupByCode(ctx, demoGroup); err == nil {
		return nil
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
	return nil
}

// payDemoContributions makes the demo members' first contributions the way members pay:
// through the simulator's paybill, our webhooks and the workers, so that the books and the
// simulator's statement agree from the start. Only a group with no payments yet is paid for.
func payDemoContributions(ctx context.Context, db *gorm.DB, simAddr string, logger *slog.Logger) {
	var paid int64
	if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM chama_payments p JOIN chama_groups g ON g.id = p.group_id WHERE g.code = ?`,
		demoGroup).Scan(&paid).Error; err != nil || paid > 0 {
		return
	}
	for _, p := range demoPeople {
		if p.paid == "" {
			continue
		}
		body := fmt.Sprintf(`{"msisdn":"254%s","amount":%q,"bill_ref":"%s %s"}`, p.phone[1:], p.paid, demoGroup, p.phone)
		resp, err := http.Post("http://"+simAddr+"/simulator/c2b/pay", "application/json", strings.NewReader(body))
		if err != nil {
			logger.Warn("demo contribution not paid", "error", err)
			return
		}
		resp.Body.Close()
	}
	// Settlement is a worker's job: give it a moment, so the figures printed include them.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM chama_payments`).Scan(&paid).Error; err == nil && paid >= 4 {
			break
		}
	}
	_, _ = ledger.New(db).ChainPending(ctx, 500)
}

func printDemo(ctx context.Context, db *gorm.DB, out io.Writer) error {
	g, err := chama.New(chama.Options{DB: db}).GroupByCode(ctx, demoGroup)
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
