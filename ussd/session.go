package ussd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kikundi/kikundi/chama"
)

// SessionTTL is how long a session's state outlives its last hop: a little over the
// telcos' 180 s for a whole session, so a late retry still finds it.
const SessionTTL = 200 * time.Second

// ResumeTTL is how long an interrupted flow can be picked up again by dialling back.
const ResumeTTL = 5 * time.Minute

// State is a session between hops. It never holds a PIN in clear: a PIN typed to be
// confirmed is kept only as its argon2id hash, and the input path only as a hash.
type State struct {
	Phone string `json:"phone"`
	Lang  string `json:"lang"`
	Group string `json:"group,omitempty"` // the group chosen for this session
	// Groups are the member's groups as read when the session began (and after joining or
	// creating one): the menus list them without asking the database on every hop.
	Groups []chama.GroupRef `json:"groups,omitempty"`
	// Resumable is set while a flow is saved for resuming, so leaving it is one delete.
	Resumable bool              `json:"resumable,omitempty"`
	Route     []string          `json:"route"`           // node names; the current one is last
	Data      map[string]string `json:"data,omitempty"`  // what the flow has gathered
	Page      int               `json:"page,omitempty"`  // page of the current screen
	Flash     string            `json:"flash,omitempty"` // a one-time line above the next screen (an error, a note)
	Hops      int               `json:"hops"`
	// PathHash and PathLen identify the inputs already processed (FullPath aggregators),
	// so a retried hop is recognised and a new one's fresh inputs found.
	PathHash string `json:"path_hash,omitempty"`
	PathLen  int    `json:"path_len"`
	// Ended names the screen a session ended on (its route is then cleared).
	Ended string `json:"ended,omitempty"`
	// Last is the answer to the last hop, returned again when it is retried.
	Last    string `json:"last"`
	LastEnd bool   `json:"last_end"`
}

func (s *State) node() string {
	if len(s.Route) == 0 {
		return ""
	}
	return s.Route[len(s.Route)-1]
}

func (s *State) set(k, v string) {
	if s.Data == nil {
		s.Data = map[string]string{}
	}
	s.Data[k] = v
}

// Store keeps sessions between hops, and interrupted flows between sessions.
type Store interface {
	// Load returns a session's state and, in the same round trip, takes the phone's
	// interrupted flow (if any): wanted only when the session is new, and harmless to
	// drop otherwise, since a running flow saves itself again.
	Load(ctx context.Context, key, phone string) (s State, found bool, resume State, resumable bool, err error)
	// Save stores the state and, in the same round trip, keeps or forgets the phone's
	// resumable flow.
	Save(ctx context.Context, key string, s State, resume, forget bool) error
}

// RedisStore keeps sessions in Redis under a prefix, each with a TTL.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisStore returns a store writing keys under prefix (e.g. "ussd:").
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{rdb: rdb, prefix: prefix}
}

// Load returns a session's state and takes the phone's interrupted flow, in one round trip.
func (r *RedisStore) Load(ctx context.Context, key, phone string) (State, bool, State, bool, error) {
	pipe := r.rdb.Pipeline()
	get := pipe.Get(ctx, r.prefix+"s:"+key)
	take := pipe.GetDel(ctx, r.prefix+"r:"+phone)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return State{}, false, State{}, false, fmt.Errorf("load ussd session: %w", err)
	}
	s, found := decodeState(get)
	resume, resumable := decodeState(take)
	return s, found, resume, resumable, nil
}

func decodeState(cmd *redis.StringCmd) (State, bool) {
	raw, err := cmd.Bytes()
	if err != nil {
		return State{}, false
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return State{}, false // an unreadable state starts afresh
	}
	return s, true
}

// Save stores a session's state for SessionTTL and keeps (for ResumeTTL) or forgets the
// phone's resumable flow, in one round trip.
func (r *RedisStore) Save(ctx context.Context, key string, s State, resume, forget bool) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	pipe := r.rdb.Pipeline()
	pipe.Set(ctx, r.prefix+"s:"+key, raw, SessionTTL)
	switch {
	case resume:
		pipe.Set(ctx, r.prefix+"r:"+s.Phone, raw, ResumeTTL)
	case forget:
		pipe.Del(ctx, r.prefix+"r:"+s.Phone)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save ussd session: %w", err)
	}
	return nil
}
