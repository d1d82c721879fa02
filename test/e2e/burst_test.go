package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// burstOutcome is one request of a burst as the client saw it.
type burstOutcome struct {
	status     int
	reason     string // Shoal-Error
	retryAfter string
	queued     string // Shoal-Queued: how long it waited for a slot
	took       time.Duration
	err        error
}

// burst sends n requests at once and returns every outcome.
func burst(client *http.Client, url string, n int) []burstOutcome {
	out := make([]burstOutcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			resp, err := client.Get(url)
			if err != nil {
				out[i] = burstOutcome{err: err, took: time.Since(t0)}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out[i] = burstOutcome{
				status: resp.StatusCode, reason: resp.Header.Get("Shoal-Error"),
				retryAfter: resp.Header.Get("Retry-After"), queued: resp.Header.Get("Shoal-Queued"),
				took: time.Since(t0),
			}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts outcomes by kind: "200", "200 queued", "503 <reason>",
// "error".
func tally(t *testing.T, outs []burstOutcome, limit time.Duration) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, o := range outs {
		if o.took > limit {
			t.Errorf("a request took %v, more than wait timeout + service time + slack (%v): %+v", o.took, limit, o)
		}
		switch {
		case o.err != nil:
			m["error"]++
			t.Errorf("request failed: %v", o.err)
		case o.status == 200 && o.queued != "":
			if d, err := time.ParseDuration(o.queued); err != nil || d <= 0 {
				t.Errorf("Shoal-Queued %q is not a positive duration", o.queued)
			}
			m["200 queued"]++
		case o.status == 200:
			m["200"]++
		case o.status == 503:
			if s, err := strconv.Atoi(o.retryAfter); err != nil || s < 1 {
				t.Errorf("503 %s without a valid Retry-After (%q)", o.reason, o.retryAfter)
			}
			m["503 "+o.reason]++
		default:
			m[fmt.Sprint(o.status)]++
		}
	}
	return m
}

// TestBurstBeyondCapacityIsHeldOrRejected sends bursts to a service at its
// maximum (one instance of examples/echo taking 2 requests at once) whose
// activator holds at most 6 requests for at most 2 s. A burst that fits in
// the queue and drains within the timeout is served in full, the waiting
// part marked Shoal-Queued; a bigger burst of slow requests gets exactly
// the slots, the queue, and 503 with Retry-After for the rest (queue full at
// once, or after the wait timeout). No request hangs: each ends within the
// wait timeout plus the service time plus a second.
func TestBurstBeyondCapacityIsHeldOrRejected(t *testing.T) {
	g := runGateway(t, fmt.Sprintf(`services:
  burst:
    run: {command: %s, ready: {path: /healthz, interval: 50ms}}
    scale: {policy: static, min: 1, max: 1, container_concurrency: 2, queue_limit: 6, wait_timeout: 2s}
routes:
  - {service: burst}
`, echoBin))
	listen, admin := g.listen, g.admin
	waitReady(t, admin, "burst", 1)
	client := &http.Client{Timeout: 15 * time.Second}
	const waitTimeout = 2 * time.Second

	// 8 requests of 400 ms: 2 run, 6 wait and run in three waves of 2, the
	// last starting at 1.2 s, within the 2 s timeout.
	got := tally(t, burst(client, "http://"+listen+"/a?delay=400ms", 8), waitTimeout+400*time.Millisecond+time.Second)
	if got["200"] != 2 || got["200 queued"] != 6 || len(got) != 2 {
		t.Errorf("burst within the queue: %v, want 2 served at once and 6 held then served", got)
	}

	// 20 requests of 1.5 s: 2 run; 6 wait, of which 2 get the slots at
	// 1.5 s and 4 reach the 2 s timeout; 12 find the queue full.
	got = tally(t, burst(client, "http://"+listen+"/b?delay=1500ms", 20), waitTimeout+1500*time.Millisecond+time.Second)
	want := map[string]int{"200": 2, "200 queued": 2, "503 activator-timeout": 4, "503 activator-queue-full": 12}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("burst beyond the queue: %v, want %v", got, want)
	}

	// The activator's own counters agree with what the clients saw.
	_, body := get(t, "http://"+admin+"/api/services/burst")
	var svc struct {
		Activator struct {
			Held     int64  `json:"held"`
			Released uint64 `json:"released_total"`
			TimedOut uint64 `json:"timed_out_total"`
			Rejected uint64 `json:"rejected_total"`
		} `json:"activator"`
	}
	if err := json.Unmarshal([]byte(body), &svc); err != nil {
		t.Fatalf("decoding the service: %v: %s", err, body)
	}
	if a := svc.Activator; a.Held != 0 || a.Released != 8 || a.TimedOut != 4 || a.Rejected != 12 {
		t.Errorf("activator counters %+v, want 0 held, 8 released, 4 timed out, 12 rejected", a)
	}
}
