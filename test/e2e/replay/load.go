package replay

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ClientCounts is what the load generator saw for one policy's service.
type ClientCounts struct {
	Sent int64
	// OK within the SLO, Slow (200 but later), Rejected (503 queue full),
	// TimedOut (503 after the wait timeout), Other statuses, Errors
	// (transport errors, client timeouts), Dropped (never sent: the
	// generator's in-flight bound).
	OK, Slow, Rejected, TimedOut, Other, Errors, Dropped int64
	// MaxLatency is the slowest answer.
	MaxLatency time.Duration
}

type counters struct {
	sent, ok, slow, rejected, timedOut, other, errs, dropped atomic.Int64
	maxLat                                                   atomic.Int64
}

func (c *counters) snapshot() ClientCounts {
	return ClientCounts{
		Sent: c.sent.Load(), OK: c.ok.Load(), Slow: c.slow.Load(), Rejected: c.rejected.Load(),
		TimedOut: c.timedOut.Load(), Other: c.other.Load(), Errors: c.errs.Load(), Dropped: c.dropped.Load(),
		MaxLatency: time.Duration(c.maxLat.Load()),
	}
}

// arrivals spreads each second's count uniformly at random over the second
// (given the count, Poisson arrival times are uniform), as offsets from
// the start, in order.
func arrivals(counts []float64, seed uint64) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, seed^0xa77))
	var out []time.Duration
	for i, c := range counts {
		sec := make([]time.Duration, int(c))
		for j := range sec {
			sec[j] = time.Duration(i)*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
		}
		slices.Sort(sec)
		out = append(out, sec...)
	}
	return out
}

// play sends the trace to every policy's service from start on: the same
// arrival times for each. Open loop: a slow answer does not delay the next
// arrival. Every request carries a client timeout (wait timeout + service
// time + 5 s), and the in-flight total is bounded, so the run ends by
// itself. It returns when every request has been answered.
func play(ctx context.Context, s Setup, base string, start time.Time) map[string]ClientCounts {
	per := make(map[string]*counters, len(s.Policies))
	for _, p := range s.Policies {
		per[p] = &counters{}
	}
	client := &http.Client{
		Timeout: s.WaitTimeout + s.ServiceTime + 5*time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 512,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	defer client.CloseIdleConnections()
	sem := make(chan struct{}, s.MaxInFlight)
	var wg sync.WaitGroup
	query := "?delay=" + s.ServiceTime.String()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for _, off := range arrivals(s.Trace.Counts, 7) {
		at := start.Add(off)
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				wg.Wait()
				return snapshot(per)
			case <-timer.C:
			}
		}
		for _, p := range s.Policies {
			c := per[p]
			c.sent.Add(1)
			select {
			case sem <- struct{}{}:
			default:
				c.dropped.Add(1)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				one(ctx, client, base+"/"+p+"/r"+query, s.SLO, c)
			}()
		}
	}
	wg.Wait()
	return snapshot(per)
}

func snapshot(per map[string]*counters) map[string]ClientCounts {
	out := make(map[string]ClientCounts, len(per))
	for p, c := range per {
		out[p] = c.snapshot()
	}
	return out
}

// one sends a request and files its outcome.
func one(ctx context.Context, client *http.Client, url string, slo time.Duration, c *counters) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		c.errs.Add(1)
		return
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		c.errs.Add(1)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(t0)
	for {
		m := c.maxLat.Load()
		if int64(took) <= m || c.maxLat.CompareAndSwap(m, int64(took)) {
			break
		}
	}
	switch {
	case resp.StatusCode == http.StatusOK && took <= slo:
		c.ok.Add(1)
	case resp.StatusCode == http.StatusOK:
		c.slow.Add(1)
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Shoal-Error") == "activator-queue-full":
		c.rejected.Add(1)
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Shoal-Error") == "activator-timeout":
		c.timedOut.Add(1)
	default:
		c.other.Add(1)
	}
}
