package peers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// SourceOptions configure a Source. Local is required.
type SourceOptions struct {
	// Local is this gateway's own signals.
	Local Drainer
	// Peers lists the other gateways' admin base URLs
	// (http://10.0.0.7:9901). Nil: local samples only.
	Peers func() []string
	// Token is the admin API token the peers require (empty: none).
	Token  string
	Client *http.Client
	// Lag is how long after a second ends it is handed to the autoscaler,
	// so every gateway's part of it has arrived (default 2 s).
	Lag time.Duration
	// Timeout bounds one round of reads from the peers (default 800 ms).
	Timeout time.Duration
	Log     *slog.Logger
}

// Source is an autoscaler.Source that adds up, second by second, the
// samples of this gateway and of its peers.
type Source struct {
	opts SourceOptions

	mu sync.Mutex
	// pending holds per service the seconds not handed out yet.
	pending map[string]map[int64]autoscale.Sample
	// done is per service the last second handed out; later arrivals for
	// it or before are dropped (counted in late).
	done map[string]int64
	// asked are the services the autoscaler drains, read from the peers.
	asked   map[string]bool
	lastRun time.Time
	late    int
	// failing remembers peers whose last read failed, to log changes only.
	failing map[string]bool
}

// NewSource returns a merging source.
func NewSource(opts SourceOptions) *Source {
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Lag <= 0 {
		opts.Lag = 2 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 800 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Source{opts: opts, pending: map[string]map[int64]autoscale.Sample{},
		done: map[string]int64{}, asked: map[string]bool{}, failing: map[string]bool{}}
}

// Drain returns the merged seconds of service that ended at least Lag
// before now, oldest first. The first call of a tick reads every peer once
// for all the services asked for so far.
func (s *Source) Drain(service string, now time.Time) []autoscale.Sample {
	local := s.opts.Local.Drain(service, now)
	s.mu.Lock()
	s.asked[service] = true
	s.addLocked(service, local)
	round := s.opts.Peers != nil && now.Sub(s.lastRun) >= time.Second/2
	var names []string
	if round {
		s.lastRun = now
		for n := range s.asked {
			names = append(names, n)
		}
	}
	s.mu.Unlock()
	if round {
		s.readPeers(names)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeLocked(service, now)
}

// Late is how many peer samples arrived after their second was handed out
// (and were dropped).
func (s *Source) Late() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.late
}

func (s *Source) addLocked(service string, xs []autoscale.Sample) {
	if len(xs) == 0 {
		return
	}
	m := s.pending[service]
	if m == nil {
		m = map[int64]autoscale.Sample{}
		s.pending[service] = m
	}
	last, started := s.done[service]
	for _, x := range xs {
		sec := x.T.Unix()
		if started && sec <= last {
			s.late++
			continue
		}
		cur, ok := m[sec]
		if !ok {
			m[sec] = x
			continue
		}
		m[sec] = cur.Merge(x)
	}
}

// takeLocked removes and returns the seconds that are due.
func (s *Source) takeLocked(service string, now time.Time) []autoscale.Sample {
	m := s.pending[service]
	cutoff := now.Add(-s.opts.Lag - time.Second).Unix()
	var secs []int64
	for sec := range m {
		if sec <= cutoff {
			secs = append(secs, sec)
		}
	}
	if len(secs) == 0 {
		return nil
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	out := make([]autoscale.Sample, len(secs))
	for i, sec := range secs {
		out[i] = m[sec]
		delete(m, sec)
	}
	s.done[service] = secs[len(secs)-1]
	return out
}

// readPeers drains every peer for names, in parallel, within Timeout.
func (s *Source) readPeers(names []string) {
	peers := s.opts.Peers()
	if len(peers) == 0 || len(names) == 0 {
		return
	}
	sort.Strings(names)
	q := url.Values{"service": names}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Go(func() {
			resp, err := s.read(ctx, p, q)
			s.mu.Lock()
			defer s.mu.Unlock()
			if err != nil {
				if !s.failing[p] {
					s.opts.Log.Warn("peers: reading a gateway's signals", "peer", p, "error", err)
				}
				s.failing[p] = true
				return
			}
			if s.failing[p] {
				s.opts.Log.Info("peers: gateway's signals readable again", "peer", p)
				delete(s.failing, p)
			}
			for name, ws := range resp.Services {
				xs := make([]autoscale.Sample, len(ws))
				for i, w := range ws {
					xs[i] = w.sample()
				}
				s.addLocked(name, xs)
			}
		})
	}
	wg.Wait()
}

func (s *Source) read(ctx context.Context, base, query string) (*DrainResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+DrainPath+"?"+query, bytes.NewReader(nil))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if s.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("draining %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("draining %s: status %s", base, resp.Status)
	}
	var out DrainResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", base, err)
	}
	return &out, nil
}
