package ussd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/ussd/hop"
	"github.com/kikundi/kikundi/ussd/screen"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// tour walks a group's life through the menus in one language and records every screen
// with the node that drew it, for the golden transcript and the coverage check.
type tour struct {
	t      *testing.T
	ctx    context.Context
	e      *Engine
	store  *RedisStore
	groups *chama.Service
	lang   string
	n      int
	lines  []string
	seen   map[string]bool
}

func (tr *tour) dial(phone string, keys ...string) {
	tr.t.Helper()
	tr.n++
	session := fmt.Sprintf("tour-%s-%d", tr.lang, tr.n)
	path := []string{}
	tr.lines = append(tr.lines, fmt.Sprintf("#### %s dials", phone))
	tr.hop(session, phone, path)
	for _, k := range keys {
		path = append(path, k)
		tr.lines = append(tr.lines, "> "+k)
		tr.hop(session, phone, path)
	}
}

func (tr *tour) hop(session, phone string, path []string) {
	tr.t.Helper()
	resp, err := tr.e.Hop(tr.ctx, hop.Request{Aggregator: "at", SessionID: session, Phone: phone, ServiceCode: "*384*12#",
		Input: strings.Join(path, "*"), FullPath: true})
	if err != nil {
		tr.t.Fatalf("%s %v: %v", phone, path, err)
	}
	if !screen.Fits(resp.Text) {
		tr.t.Fatalf("screen over 182 GSM-7 characters:\n%s", resp.Text)
	}
	st, _, _, _, err := tr.store.Load(tr.ctx, "at:"+session, "+254000000000")
	if err != nil {
		tr.t.Fatal(err)
	}
	node := st.node()
	if resp.End {
		node = st.Ended
	}
	tr.seen[node] = true
	kind := "CON"
	if resp.End {
		kind = "END"
	}
	tr.lines = append(tr.lines, fmt.Sprintf("[%s %s]\n%s", kind, node, resp.Text))
}

var fingerprint = regexp.MustCompile(`#\d+ [A-Z0-9]{4}-[A-Z0-9]{4}`)

// TestEveryScreenInBothLanguages tours every menu in Swahili and English, asserts each
// screen fits 182 GSM-7 characters, compares the whole transcript with its golden file
// (`go test ./ussd -run Every -update` rewrites them), and fails naming any screen of the
// menu graph the tour never reached.
func TestEveryScreenInBothLanguages(t *testing.T) {
	seen := map[string]bool{}
	for i, lang := range []string{"sw", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Postgres(t)
			rdb, prefix := dbtest.Redis(t)
			day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("EAT", 3*3600))
			groups := chama.New(chama.Options{DB: db, Now: func() time.Time { return day }})
			store := NewRedisStore(rdb, prefix)
			tr := &tour{t: t, ctx: ctx, store: store, groups: groups, lang: lang, seen: seen,
				e: New(Options{Store: store, Groups: groups, Payments: noPayments{}})}
			pick := fmt.Sprint(i + 1)
			a, b, c, d := "+254711000001", "+254711000002", "+254711000003", "+254711000004"

			// First dial: language, consent, name, PIN twice; no group yet; help.
			tr.dial(a, pick, "1", "Wanjiru Kamau", "1111", "4826", "4826", "2")
			// Create a group, with its treasurer and secretary (set up directly).
			tr.dial(a, "1", "umoja", "Umoja Women")
			ca := chama.Actor{Phone: a, Channel: chama.SMS}
			officials(t, groups, ca, "+254711000008", chama.RoleTreasurer)
			officials(t, groups, ca, "+254711000009", chama.RoleSecretary)
			// Two members: b by USSD invitation, c set up directly.
			must(t, func() error { _, err := groups.Invite(ctx, ca, "UMOJA", b, "Baraka", chama.RoleMember); return err })
			tr.dial(b, pick, "1", "Baraka", "5821", "5821", "1")
			join(t, groups, ca, c, "Chebet")
			must(t, func() error { _, err := groups.RaiseDues(ctx, "UMOJA"); return err })
			// a pays 300 of the 500 due (so contributing offers the 200 left); b and c save 3,000.
			for k, p := range []string{a, b, c} {
				amount := int64(3000)
				if p == a {
					amount = 300
				}
				must(t, func() error {
					_, err := groups.ReceivePayment(ctx, chama.Payment{Group: "UMOJA", Phone: p, Receipt: fmt.Sprintf("TOUR%06d", k), Amount: decimal.NewFromInt(amount)})
					return err
				})
			}
			// The member's menus.
			tr.dial(a, "1", "1", "4826")                           // contribute what is due
			tr.dial(a, "2")                                        // balance
			tr.dial(a, "5", "1")                                   // mini statement, then the full one by SMS
			tr.dial(a, "6", "1")                                   // the group, its members
			tr.dial(a, "7", "1", "0", "2", "7391", "4826", "7391") // settings: language (back), change PIN
			// A loan for b, guaranteed by a and c.
			tr.dial(b, "3", "1", "1000", "2", "98", "1", a, c, "5821")
			tr.dial(b, "3", "3")
			tr.dial(b, "3", "5") // his score, and why
			tr.dial(b, "3", "2")
			tr.dial(a, "3", "4", "1", "1", "7391")
			must(t, func() error {
				reqs, err := groups.GuaranteeRequests(ctx, chama.Actor{Phone: c, Channel: chama.USSD}, "UMOJA")
				if err != nil || len(reqs) == 0 {
					return fmt.Errorf("no guarantee request for c: %v", err)
				}
				return groups.Guarantee(ctx, chama.Actor{Phone: c, Channel: chama.USSD}, reqs[0].LoanID, true, "2580")
			})
			// Peer loans: a offers c (b has a loan in progress already); c reads the offer and
			// declines it; b asks how to ask for one.
			tr.dial(a, "4", "1", c, "50", "1", "1", "1", "7391")
			tr.dial(c, "4", "2", "1", "2")
			tr.dial(b, "4", "3")
			// The officials' menu.
			tr.dial(a, "8", "1", "1", "1", "7391")
			tr.dial(a, "8", "2", d, "Daudi", "1", "7391")
			tr.dial(d, pick, "1", "Daudi", "6392", "6392", "2", "1") // d turns the invitation down
			must(t, func() error {
				// Memberships lists groups joined or invited to: a declined one is gone.
				if ms, err := groups.Memberships(ctx, d); err != nil || len(ms) != 0 {
					return fmt.Errorf("d's memberships after declining: %+v, %v", ms, err)
				}
				return nil
			})
			tr.dial(a, "8", "3", b, "100", "1", "7391")
			tr.dial(a, "8", "4", "600", "7391")
			tr.dial(a, "8", "5", "1", "7391")
			tr.dial(a, "8", "6", c, "700.50", "700", "7391") // cash from c; cents are refused
			tr.dial(a, "8", "7")                             // a holds no cash yet: the treasurer has not confirmed it
			must(t, func() error {
				tres := chama.Actor{Phone: "+254711000008", Channel: chama.USSD}
				aps, err := groups.PendingApprovals(ctx, tres, "UMOJA")
				if err != nil || len(aps) == 0 {
					return fmt.Errorf("no cash record for the treasurer: %v", err)
				}
				_, err = groups.Vote(ctx, tres, aps[len(aps)-1].ID, true, "2580")
				return err
			})
			tr.dial(a, "8", "7", "1", "7391") // pay in all a holds
			// b asks to withdraw 20 of his savings; the officials will decide.
			tr.dial(b, "2", "1", "20", "5821")
			// The treasurer and secretary approve it; M-Pesa refuses the payout; a sends it again.
			must(t, func() error {
				for _, o := range []string{"+254711000008", "+254711000009"} {
					off := chama.Actor{Phone: o, Channel: chama.USSD}
					aps, err := groups.PendingApprovals(ctx, off, "UMOJA")
					if err != nil || len(aps) == 0 {
						return fmt.Errorf("no withdrawal for %s to approve: %v", o, err)
					}
					if ap, err := groups.Vote(ctx, off, aps[len(aps)-1].ID, true, "2580"); err != nil || ap.Status == "approved" {
						return err
					}
				}
				return nil
			})
			must(t, func() error {
				pos, err := groups.Payouts(ctx, "UMOJA")
				if err != nil || len(pos) == 0 || pos[0].Purpose != chama.PurposeWithdrawal {
					return fmt.Errorf("no withdrawal payout: %v %+v", err, pos)
				}
				return groups.PayoutFailed(ctx, pos[0].ID, "2040: the receiver is not registered on M-Pesa")
			})
			tr.dial(a, "8", "8", "1", "7391")
			tr.dial(a, "8", "9") // no merry-go-round in this group
			// A flow cut off at the PIN, and offered again on the next dial: start over.
			tr.dial(a, "1", "1")
			tr.dial(a, "2")
			// c forgot her PIN: she asks, the treasurer and secretary agree, she sets a new one
			// without the old; then she asks to leave, which her pledge for b's loan forbids.
			must(t, func() error { return groups.SetLanguage(ctx, chama.Actor{Phone: c, Channel: chama.USSD}, lang) })
			tr.dial(c, "7", "3", "1")
			must(t, func() error {
				for _, o := range []string{"+254711000008", "+254711000009"} {
					off := chama.Actor{Phone: o, Channel: chama.USSD}
					aps, err := groups.PendingApprovals(ctx, off, "UMOJA")
					if err != nil || len(aps) == 0 {
						return fmt.Errorf("no PIN reset for %s to approve: %v", o, err)
					}
					ap, err := groups.Vote(ctx, off, aps[len(aps)-1].ID, true, "2580")
					if err != nil || ap.Status == "approved" {
						return err
					}
				}
				return nil
			})
			tr.dial(c, "7", "2", "6193", "6193")
			tr.dial(c, "7", "4", "1", "6193")
			tr.dial(c, "7", "5", "1", "1") // what we keep about her; she withdraws her consent
			tr.dial(c)                     // and is asked for it again

			got := fingerprint.ReplaceAllString(strings.Join(tr.lines, "\n")+"\n", "#N XXXX-XXXX")
			golden := filepath.Join("testdata", "tour."+lang+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("the %s tour differs from %s (-want +got):\n%s", lang, golden, diff)
			}
		})
	}
	// Screens a tour cannot reach without money moving through M-Pesa: the journey tests
	// in journey_test.go cover them.
	skip := map[string]string{"repay-pin": "needs a disbursed loan", "peer-accept-pin": "accepting pays out",
		"group-info": "", "done": ""}
	var missing []string
	for name := range nodes {
		if !seen[name] && skip[name] == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("screens the tour never showed: %v", missing)
	}
}

type noPayments struct{}

func (noPayments) Collect(context.Context, string, string, decimal.Decimal, string, int64) error {
	return nil
}

func must(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

func officials(t *testing.T, groups *chama.Service, by chama.Actor, phone string, role chama.Role) {
	t.Helper()
	joinAs(t, groups, by, phone, string(role), role)
}

func join(t *testing.T, groups *chama.Service, by chama.Actor, phone, name string) {
	t.Helper()
	joinAs(t, groups, by, phone, name, chama.RoleMember)
}

func joinAs(t *testing.T, groups *chama.Service, by chama.Actor, phone, name string, role chama.Role) {
	t.Helper()
	ctx := context.Background()
	a := chama.Actor{Phone: phone, Channel: chama.System}
	must(t, func() error { _, err := groups.Register(ctx, phone, name, "sw"); return err })
	must(t, func() error { return groups.GiveConsent(ctx, a) })
	must(t, func() error { return groups.SetPIN(ctx, a, "", "2580") })
	must(t, func() error { _, err := groups.Invite(ctx, by, "UMOJA", phone, name, role); return err })
	must(t, func() error { _, err := groups.Accept(ctx, a, "UMOJA"); return err })
}
