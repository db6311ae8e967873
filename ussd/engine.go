package ussd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/phone"
	"github.com/kikundi/kikundi/ussd/hop"
	"github.com/kikundi/kikundi/ussd/screen"
)

// Payments starts an M-Pesa collection for a member (an STK push). cmd/kikundi hands the
// engine one backed by package mpesa; it must return at once (the member is waiting on a
// USSD screen) and do the slow part in the background.
type Payments interface {
	Collect(ctx context.Context, group, phone string, amount decimal.Decimal, purpose string, loan int64) error
}

// Options build an Engine.
type Options struct {
	Store    Store
	Groups   *chama.Service
	Payments Payments
	Code     string // the USSD code members dial, for help texts
	Logger   *slog.Logger
}

// Engine answers USSD hops: it finds the session, works out what the member typed since
// the last hop, walks the menu graph, and renders the screen. Everything that moves money
// or changes the books goes through the chama (and, for M-Pesa, Payments).
type Engine struct {
	store    Store
	groups   *chama.Service
	payments Payments
	code     string
	log      *slog.Logger
}

// New returns an Engine.
func New(o Options) *Engine {
	e := &Engine{store: o.Store, groups: o.Groups, payments: o.Payments, code: o.Code, log: o.Logger}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.code == "" {
		e.code = "*384*12#"
	}
	return e
}

var _ hop.Handler = (*Engine)(nil)

// call is one hop's work on one session.
type call struct {
	ctx context.Context
	e   *Engine
	s   *State
}

func (c *call) lang() string { return c.s.Lang }

func (c *call) actor() chama.Actor { return chama.Actor{Phone: c.s.Phone, Channel: chama.USSD} }

// Hop answers one hop. A hop whose input path was already processed (a retry, or
// Safaricom's doubled session start) gets the same screen again and repeats nothing.
func (e *Engine) Hop(ctx context.Context, r hop.Request) (hop.Response, error) {
	e164, err := phone.Normalize(r.Phone)
	if err != nil {
		return hop.Response{Text: t("sw", "error") + " / " + t("en", "error"), End: true}, nil
	}
	key := r.Aggregator + ":" + r.SessionID
	st, found, prev, resumable, err := e.store.Load(ctx, key, e164)
	if err != nil {
		return hop.Response{}, err
	}
	c := &call{ctx: ctx, e: e, s: &st}
	var inputs []string
	if !found {
		st = State{Phone: e164}
		if err := c.begin(prev, resumable); err != nil {
			return hop.Response{}, err
		}
		inputs = segments(r.Input) // a direct-dial shortcut arrives on the first hop
	} else {
		var retry bool
		inputs, retry = fresh(&st, r)
		if retry || st.LastEnd { // a retried hop, or a hop after the end: the last answer
			return hop.Response{Text: st.Last, End: st.LastEnd}, nil
		}
	}
	for _, in := range inputs {
		if err := c.step(in); err != nil {
			return hop.Response{}, err
		}
	}
	text, end, err := c.render()
	if err != nil {
		return hop.Response{}, err
	}
	if r.FullPath {
		st.PathHash, st.PathLen = pathHash(r.Input), len(segments(r.Input))
	}
	st.Hops++
	st.Last, st.LastEnd = text, end
	// An ended session is kept (until its TTL) so that a retry of its last hop gets the
	// same final screen instead of starting a new session and acting again.
	if end {
		st.Ended = st.node()
		st.Data, st.Route = nil, []string{nodeDone}
	}
	// Inside a flow (past the menus) it is worth coming back to if the line drops; once
	// the flow is over, or back at the menus, there is nothing to resume.
	resume := !end && len(st.Route) > 2
	forget := !resume && st.Resumable
	st.Resumable = resume
	if err := e.store.Save(ctx, key, st, resume, forget); err != nil {
		return hop.Response{}, err
	}
	return hop.Response{Text: text, End: end}, nil
}

// segments splits an input path; an empty path has none.
func segments(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, "*")
}

// pathHash identifies a path without keeping it: it carries PINs.
func pathHash(path string) string {
	h := sha256.Sum256([]byte(path))
	return hex.EncodeToString(h[:])
}

// fresh works out the inputs of this hop that have not been processed yet. A FullPath
// aggregator sends every input so far: the part already seen must hash as stored, and the
// rest is new (normally one input, more if a hop was lost on the way). A path that does
// not extend the one seen (the aggregator and we disagree) restarts the member at home,
// with a note, rather than acting on inputs whose meaning is no longer certain.
func fresh(s *State, r hop.Request) (inputs []string, retry bool) {
	if !r.FullPath {
		return []string{r.Input}, false
	}
	segs := segments(r.Input)
	if len(segs) == s.PathLen && pathHash(r.Input) == s.PathHash {
		return nil, true
	}
	if len(segs) > s.PathLen && pathHash(strings.Join(segs[:s.PathLen], "*")) == s.PathHash {
		return segs[s.PathLen:], false
	}
	s.Route = []string{nodeHome}
	s.Page, s.Data = 0, nil
	s.Flash = t(s.Lang, "restart")
	return nil, false
}

// begin decides where a new session starts: onboarding for a new number, an offer to
// resume an interrupted flow, or home.
func (c *call) begin(prev State, resumable bool) error {
	o, err := c.e.groups.PersonOverview(c.ctx, c.s.Phone)
	switch {
	case errors.Is(err, chama.ErrUnknownPerson):
		c.s.Lang = "sw"
		c.s.Route = []string{nodeLanguage}
		return nil
	case err != nil:
		return err
	}
	c.s.Lang, c.s.Groups = o.Lang, o.Groups
	switch {
	case !o.Consented: // invited, or withdrew consent: choose a language, then the notice
		c.s.Route = []string{nodeLanguage}
		return nil
	case !o.HasPIN:
		c.s.Route = []string{nodePIN}
		return nil
	}
	if resumable && len(prev.Route) > 2 {
		c.s.Route = []string{nodeResume}
		c.s.set("resume", encodeResume(prev))
		return nil
	}
	c.s.Route = []string{nodeHome}
	return nil
}

// refreshGroups reads the member's groups again, after joining or creating one.
func (c *call) refreshGroups() error {
	o, err := c.e.groups.PersonOverview(c.ctx, c.s.Phone)
	if err != nil {
		return err
	}
	c.s.Groups = o.Groups
	return nil
}

// step applies one input: the navigation keys first (98 more, 0 back, 00 home), then the
// current node's own handling.
func (c *call) step(in string) error {
	in = strings.TrimSpace(in)
	n, ok := nodes[c.s.node()]
	if !ok {
		c.s.Route = []string{nodeHome}
		n = nodes[nodeHome]
	}
	switch {
	case in == "98" && !n.takesText:
		c.s.Page++
		return nil
	case in == "00" && !n.takesText:
		c.s.Route, c.s.Page, c.s.Flash = []string{nodeHome}, 0, ""
		return nil
	case in == "0" && !n.takesText && len(c.s.Route) > 1:
		c.s.Route, c.s.Page, c.s.Flash = c.s.Route[:len(c.s.Route)-1], 0, ""
		return nil
	}
	c.s.Flash = ""
	next, err := n.handle(c, in)
	if err != nil {
		return err
	}
	switch next {
	case "":
	case nodeHome:
		c.s.Route = []string{nodeHome}
	default:
		c.s.Route = append(c.s.Route, next)
	}
	c.s.Page = 0
	return nil
}

// render draws the current node's screen, page c.s.Page, with the flash line above it.
func (c *call) render() (string, bool, error) {
	n, ok := nodes[c.s.node()]
	if !ok {
		n = nodes[nodeHome]
	}
	sc, err := n.screen(c)
	if err != nil {
		c.e.log.ErrorContext(c.ctx, "ussd screen failed", "node", c.s.node(), "phone", phone.Mask(c.s.Phone), "err", err)
		return t(c.lang(), "error"), true, nil
	}
	if c.s.Flash != "" {
		sc.Body = append([]string{c.s.Flash}, sc.Body...)
	}
	if !sc.End && len(c.s.Route) > 1 {
		sc.Back, sc.Home = true, true
	}
	// A final screen longer than a page is shown page by page (98 more); only its last
	// page ends the session.
	text, last := sc.Page(screen.LabelsFor(c.lang()), c.s.Page)
	return text, sc.End && last, nil
}

// now is the engine's clock, for texts that show dates.
var now = time.Now
