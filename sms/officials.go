package sms

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/chama/rules"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/sms/command"
)

// The officials' commands that act. An SMS passes in clear through operators and its
// sender can be forged, so what would move money, let someone in or seat someone who
// approves needs the PIN on USSD: the reply gives the shortcut. What only asks the other
// officials or reminds is done at once:
//   ADD phone name        shortcut to inviting them; name, role and PIN on USSD
//   REMOVE phone          asks the other officials, who decide with their PINs
//   REMIND [phone]        reminds those in arrears, once a day each
//   CASH phone amount     shortcut to recording it with the PIN; a second official confirms
//   PAYOUT phone amount   shortcut to asking for a welfare grant; the others approve

// refusalWords are the chama refusals these commands meet, by the key their reply names.
var refusalWords = []struct {
	err error
	key string
}{
	{chama.ErrAlreadyMember, "already"}, {chama.ErrNotMember, "not_member"}, {chama.ErrUnknownPerson, "not_member"},
	{chama.ErrPending, "pending"}, {chama.ErrQuorumImpossible, "quorum"}, {chama.ErrActiveLoan, "loan"},
	{chama.ErrNotOfficial, "not_official"}, {chama.ErrCashInHand, "cash"},
	{chama.ErrSIMSwapped, "simswap"},
}

// refused is the reply for a chama refusal of cmd, or ok false for an error that is not a
// refusal (the database failing), which the caller returns.
func (c *conversation) refused(cmd command.Command, code string, err error) (chama.Notice, bool) {
	why := ""
	for _, r := range refusalWords {
		if errors.Is(err, r.err) {
			why = r.key
			break
		}
	}
	if why == "" && strings.HasPrefix(err.Error(), "chama: ") {
		why = "other" // a refusal without words of its own here: still an answer, not silence
	}
	if why == "" {
		return chama.Notice{}, false
	}
	return c.say("reply.refused", vars{"group": code, "keyword": cmd.Verb.Keyword(c.lang), "why": why}), true
}

// add answers with the shortcut that opens inviting cmd.Phone on USSD, where the
// official gives the name and role and confirms with their PIN. Not done on SMS alone:
// a forged sender could otherwise let a stranger in to read every member's standing.
func (c *conversation) add(cmd command.Command, code string) chama.Notice {
	return c.say("reply.add", vars{"group": code, "phone": phone.Local(cmd.Phone),
		"dial": c.shortcut(code, "8", "2", keyed(cmd.Phone))})
}

// remove asks the other officials to remove cmd.Phone; they decide with their PINs, and
// the member's savings are settled as for an exit once they approve.
func (c *conversation) remove(cmd command.Command, code string) (chama.Notice, error) {
	ap, err := c.in.groups.Remove(c.ctx, c.actor(), code, cmd.Phone, "removed by officials (SMS)")
	if err != nil {
		if n, ok := c.refused(cmd, code, err); ok {
			return n, nil
		}
		return chama.Notice{}, fmt.Errorf("sms: remove: %w", err)
	}
	return c.say("reply.removal", vars{"group": code, "phone": phone.Local(cmd.Phone), "id": strconv.FormatInt(ap.ID, 10),
		"quorum": strconv.Itoa(ap.Quorum)}), nil
}

// cash points an official at recording a cash contribution on USSD, the phone and amount
// already keyed: only the PIN is left to enter.
func (c *conversation) cash(cmd command.Command, code string) chama.Notice {
	amount := strconv.FormatInt(cmd.Amount, 10)
	return c.say("reply.cash", vars{"group": code, "amount": amount, "phone": phone.Local(cmd.Phone),
		"dial": c.shortcut(code, "8", "6", keyed(cmd.Phone), amount)})
}

// payout points an official at asking for a grant to a member from the welfare fund on
// USSD, the phone and amount keyed: the reason and the PIN are left, and the other
// officials then approve it. (Merry-go-round pots are paid by the rules, loans through
// the loan menu, and savings withdrawals are asked for by the member.)
func (c *conversation) payout(cmd command.Command, code string) chama.Notice {
	amount := strconv.FormatInt(cmd.Amount, 10)
	return c.say("reply.payout", vars{"group": code, "amount": amount, "phone": phone.Local(cmd.Phone),
		"dial": c.shortcut(code, "8", "3", keyed(cmd.Phone), amount)})
}

// debtor is a member in arrears whom a reminder can reach.
type debtor struct {
	Phone string          `gorm:"column:phone"`
	Lang  string          `gorm:"column:lang"`
	Path  string          `gorm:"column:path"`
	Owed  decimal.Decimal `gorm:"column:owed"`
	Reach bool            `gorm:"column:reach"`
}

// remind sends each member of the group in arrears (or only cmd.Phone) a reminder from the
// official, pointing at contributing on USSD. The outbox keeps it to one a member a day
// however often REMIND is sent; members who opted out or withdrew consent get nothing,
// and at night it waits for 07:00.
func (c *conversation) remind(cmd command.Command, code string) (chama.Notice, error) {
	var people []debtor
	if err := c.in.db.WithContext(c.ctx).Raw(unpaidCTE+`
		SELECT p.phone, p.lang, `+pathCol+` AS path, sum(u.owed) AS owed, (`+reachable+`) AS reach
		FROM unpaid u JOIN chama_members m ON m.id = u.member_id AND m.status = 'active'
		JOIN chama_people p ON p.id = m.person_id
		WHERE ? = '' OR p.phone = ?
		GROUP BY m.id, p.id HAVING sum(u.owed) > 0
		ORDER BY m.id`, code, rules.Day(c.in.now()).Format(time.DateOnly), cmd.Phone, cmd.Phone).Scan(&people).Error; err != nil {
		return chama.Notice{}, fmt.Errorf("sms: remind %s: %w", code, err)
	}
	if len(people) == 0 {
		return c.say("reply.arrears_none", vars{"group": code}), nil
	}
	by := c.senderName()
	base := strings.TrimSuffix(c.in.ussd, "#") + "*"
	sent, unreachable := 0, 0
	for _, d := range people {
		if !d.Reach {
			unreachable++
			continue
		}
		n := chama.Notice{Phone: d.Phone, Lang: d.Lang, Kind: "remind.official", Vars: map[string]string{
			"group": code, "by": by, "amount": d.Owed.StringFixed(2), "dial": base + d.Path + "1#"},
			Once: code} // one a member a day, whichever official asks and whatever is owed by then
		if err := c.in.out.Notify(c.ctx, n); err != nil {
			return chama.Notice{}, fmt.Errorf("sms: remind %s: %w", phone.Mask(d.Phone), err)
		}
		sent++
	}
	return c.say("reply.reminded", vars{"group": code, "count": strconv.Itoa(sent), "skipped": countOrEmpty(unreachable)}), nil
}

// senderName is how a reminder names the official who sent it: their name, or their
// number when they gave none.
func (c *conversation) senderName() string {
	if name := strings.TrimSpace(c.who.Name); name != "" {
		return name
	}
	return phone.Local(c.phone)
}

// keyed is a number as it is keyed into a USSD shortcut: 0712345678.
func keyed(e164 string) string { return strings.ReplaceAll(phone.Local(e164), " ", "") }
