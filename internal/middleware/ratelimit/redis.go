package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript applies GCRA to every limit of one request in one round trip.
// It reads Redis's own clock, so gateways with skewed clocks still share one
// timeline. KEYS[i] holds limit i's theoretical arrival time in
// microseconds; ARGV is interval_us, tolerance_us for each limit. Nothing is
// written unless every limit admits the request. The reply is
// {allowed, retry_us, remaining_1, reset_us_1, ...}.
//
// Values are written with %d: Lua's default number formatting keeps only 14
// digits, which would round microsecond timestamps.
const gcraScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local allowed, retry = 1, 0
local tats, ivs, taus = {}, {}, {}
for i = 1, #KEYS do
  local iv = tonumber(ARGV[2 * i - 1])
  local tau = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local allow_at = tat + iv - tau
  if now < allow_at then
    allowed = 0
    if allow_at - now > retry then retry = allow_at - now end
  end
  tats[i], ivs[i], taus[i] = tat, iv, tau
end
local out = {allowed, retry}
for i = 1, #KEYS do
  local tat = tats[i]
  if allowed == 1 then
    tat = tat + ivs[i]
    redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
  end
  local rem = math.floor((now + taus[i] - tat) / ivs[i])
  if rem < 0 then rem = 0 end
  out[#out + 1] = rem
  out[#out + 1] = tat - now
end
return out
`

// Redis shares GCRA state between gateways through one Redis server. Each
// decision is one EVALSHA with a short deadline. After a failure the store
// reports ErrUnavailable at once for a back-off period instead of making
// every request wait for a dead server.
type Redis struct {
	client  redis.UniversalClient
	script  *redis.Script
	timeout time.Duration
	backoff time.Duration
	prefix  string
	downTil atomic.Int64 // unix ns before which Redis is not tried
	now     func() time.Time
}

// ErrUnavailable wraps every failure to reach Redis, so the handler can
// apply the configured fail-open or fail-closed behaviour.
var ErrUnavailable = errors.New("rate limit store unavailable")

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// Timeout bounds one decision, connection included. Default 50ms.
	Timeout time.Duration
	// Backoff is how long Redis is skipped after a failure. Default 1s.
	Backoff time.Duration
	// Prefix starts every key. Default "shoal:rl:".
	Prefix string
}

// NewRedis returns a store over client, which the caller keeps and closes.
// The client should itself have short dial/read/write timeouts and no
// retries (see NewRedisClient).
func NewRedis(client redis.UniversalClient, o RedisOptions) *Redis {
	if o.Timeout <= 0 {
		o.Timeout = 50 * time.Millisecond
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Prefix == "" {
		o.Prefix = "shoal:rl:"
	}
	return &Redis{client: client, script: redis.NewScript(gcraScript), timeout: o.Timeout,
		backoff: o.Backoff, prefix: o.Prefix, now: time.Now}
}

// NewRedisClient makes a client suited to rate limiting: it fails fast
// rather than retrying, because a late answer is worth no more than none.
func NewRedisClient(addr, password string, db int, timeout time.Duration) *redis.Client {
	if timeout <= 0 {
		timeout = 50 * time.Millisecond
	}
	return redis.NewClient(&redis.Options{
		Addr: addr, Password: password, DB: db,
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout,
		MaxRetries: -1, PoolSize: 32, ContextTimeoutEnabled: true,
	})
}

// Take decides one request of key against limits, as Local.Take does.
func (s *Redis) Take(ctx context.Context, key string, limits []Limit) (Decision, error) {
	if s.now().UnixNano() < s.downTil.Load() {
		return Decision{}, ErrUnavailable
	}
	rkeys := make([]string, len(limits))
	args := make([]any, 0, 2*len(limits))
	for i, l := range limits {
		// The hash tag keeps all keys of one decision in one cluster slot.
		rkeys[i] = s.prefix + "{" + key + "}" + l.Name
		args = append(args, l.interval().Microseconds(), l.tolerance().Microseconds())
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := s.script.Run(ctx, s.client, rkeys, args...).Int64Slice()
	if err != nil {
		s.downTil.Store(s.now().Add(s.backoff).UnixNano())
		return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(res) != 2+2*len(limits) {
		return Decision{}, fmt.Errorf("%w: script returned %d values for %d limits", ErrUnavailable, len(res), len(limits))
	}
	d := Decision{Allowed: res[0] == 1, RetryAfter: time.Duration(res[1]) * time.Microsecond, States: make([]State, len(limits))}
	for i := range limits {
		d.States[i] = State{Remaining: res[2+2*i], Reset: time.Duration(res[3+2*i]) * time.Microsecond}
	}
	return d, nil
}
