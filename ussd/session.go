package ussd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SessionTTL is how long a session's state outlives its last hop: a little over the
// telcos' 180 s for a whole session, so a late retry still finds it.
const SessionTTL = 200 * time.Second

// ResumeTTL is how long an interrupted flow can be picked up again by dialling back.
const ResumeTTL = 5 * time.Minute

// State is a session between hops. It never holds a PIN in clear: a PIN typed to be
// confirmed is kept only as its argon2id hash, and the input path only as a hash.
type State struct {
	Phone string            `json:"phone"`
	Lang  string            `json:"lang"`
	Group string            `json:"group,omitempty"` // the group chosen for this session
	Route []string          `json:"route"`           // node names; the current one is last
	Data  map[string]string `json:"data,omitempty"`  // what the flow has gathered
	Page  int               `json:"page,omitempty"`  // page of the current screen
	Flash string            `json:"flash,omitempty"` // a one-time line above the next screen (an error, a note)
	Hops  int               `json:"hops"`
	// PathHash and PathLen identify the inputs already processed (FullPath aggregators),
	// so a retried hop is recognised and a new one's fresh inputs found.
	PathHash string `json:"path_hash,omitempty"`
	PathLen  int    `json:"path_len"`
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
	Load(ctx context.Context, key string) (State, bool, error)
	Save(ctx context.Context, key string, s State) error
	Delete(ctx context.Context, key string) error
	// SaveResume keeps an unfinished flow for the phone; TakeResume returns and removes it.
	SaveResume(ctx context.Context, phone string, s State) error
	TakeResume(ctx context.Context, phone string) (State, bool, error)
	DropResume(ctx context.Context, phone string) error
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

func (r *RedisStore) load(ctx context.Context, key string) (State, bool, error) {
	raw, err := r.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("load ussd session: %w", err)
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return State{}, false, nil // an unreadable session starts afresh
	}
	return s, true, nil
}

func (r *RedisStore) save(ctx context.Context, key string, s State, ttl time.Duration) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := r.rdb.Set(ctx, key, raw, ttl).Err(); err != nil {
		return fmt.Errorf("save ussd session: %w", err)
	}
	return nil
}

// Load returns a session's state.
func (r *RedisStore) Load(ctx context.Context, key string) (State, bool, error) {
	return r.load(ctx, r.prefix+"s:"+key)
}

// Save stores a session's state for SessionTTL.
func (r *RedisStore) Save(ctx context.Context, key string, s State) error {
	return r.save(ctx, r.prefix+"s:"+key, s, SessionTTL)
}

// Delete forgets a session.
func (r *RedisStore) Delete(ctx context.Context, key string) error {
	return r.rdb.Del(ctx, r.prefix+"s:"+key).Err()
}

// SaveResume keeps a flow to resume for ResumeTTL.
func (r *RedisStore) SaveResume(ctx context.Context, phone string, s State) error {
	return r.save(ctx, r.prefix+"r:"+phone, s, ResumeTTL)
}

// TakeResume returns the phone's interrupted flow, once.
func (r *RedisStore) TakeResume(ctx context.Context, phone string) (State, bool, error) {
	raw, err := r.rdb.GetDel(ctx, r.prefix+"r:"+phone).Bytes()
	if errors.Is(err, redis.Nil) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, err
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return State{}, false, nil
	}
	return s, true, nil
}

// DropResume forgets an interrupted flow.
func (r *RedisStore) DropResume(ctx context.Context, phone string) error {
	return r.rdb.Del(ctx, r.prefix+"r:"+phone).Err()
}
