package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps entries in Redis, so several gateways share one cache
// and it survives restarts. Each primary key is a Redis hash with one
// field per variant. Redis's own maxmemory policy bounds it. A store error
// is a miss (Get) or a skipped write (Put), logged, never a failed request.
type RedisStore struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	// ttl bounds how long an entry is kept past its freshness, for
	// revalidation and stale answers.
	ttl time.Duration
	log *slog.Logger
}

// NewRedisStore returns a store over client, which the caller closes.
func NewRedisStore(client redis.UniversalClient, timeout, ttl time.Duration, log *slog.Logger) *RedisStore {
	if timeout <= 0 {
		timeout = 100 * time.Millisecond
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RedisStore{client: client, prefix: "shoal:cache:", timeout: timeout, ttl: ttl, log: log}
}

// stored is the encoding of an Entry in Redis.
type stored struct {
	Key      string            `json:"k"`
	Vary     map[string]string `json:"v,omitempty"`
	Status   int               `json:"s"`
	Header   http.Header       `json:"h"`
	Body     []byte            `json:"b"`
	Request  time.Time         `json:"rq"`
	Response time.Time         `json:"rs"`
}

func (s *RedisStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// variantField names a variant by its Vary values, in a stable order.
func variantField(vary map[string]string) string {
	names := make([]string, 0, len(vary))
	for k := range vary {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k + "\x00" + vary[k] + "\x00")
	}
	return b.String()
}

// Get returns the stored variants of key.
func (s *RedisStore) Get(key string) []*Entry {
	ctx, cancel := s.ctx()
	defer cancel()
	vals, err := s.client.HGetAll(ctx, s.prefix+key).Result()
	if err != nil {
		s.log.Warn("cache store read failed", "error", err)
		return nil
	}
	out := make([]*Entry, 0, len(vals))
	for _, v := range vals {
		var st stored
		if json.Unmarshal([]byte(v), &st) != nil {
			continue
		}
		e := &Entry{Key: st.Key, Vary: st.Vary, Status: st.Status, Header: st.Header, Body: st.Body,
			RequestTime: st.Request, ResponseTime: st.Response}
		e.parse()
		out = append(out, e)
	}
	return out
}

// Put stores e in place of the variant with the same Vary values.
func (s *RedisStore) Put(e *Entry) {
	data, err := json.Marshal(stored{Key: e.Key, Vary: e.Vary, Status: e.Status, Header: e.Header, Body: e.Body,
		Request: e.RequestTime, Response: e.ResponseTime})
	if err != nil {
		s.log.Warn("cache store encode failed", "error", err)
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	k := s.prefix + e.Key
	ttl := max(s.ttl, lifetime(e)+s.ttl)
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, variantField(e.Vary), data)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		s.log.Warn("cache store write failed", "error", err)
	}
}

// Delete removes every variant of key.
func (s *RedisStore) Delete(key string) int {
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := s.client.HLen(ctx, s.prefix+key).Result()
	if err == nil && n > 0 {
		err = s.client.Del(ctx, s.prefix+key).Err()
	}
	if err != nil {
		s.log.Warn("cache store delete failed", "error", err)
		return 0
	}
	return int(n)
}

// Purge removes the keys starting with prefix, scanning in batches.
func (s *RedisStore) Purge(prefix string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	match := s.prefix + globEscape(prefix) + "*"
	n := 0
	var cursor uint64
	for {
		keys, next, err := s.client.Scan(ctx, cursor, match, 500).Result()
		if err != nil {
			s.log.Warn("cache purge failed", "error", fmt.Errorf("scanning %s: %w", match, err))
			return n
		}
		for _, k := range keys {
			if c, err := s.client.HLen(ctx, k).Result(); err == nil && s.client.Del(ctx, k).Err() == nil {
				n += int(c)
			}
		}
		if cursor = next; cursor == 0 {
			return n
		}
	}
}

// globEscape quotes the characters SCAN MATCH treats as patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
