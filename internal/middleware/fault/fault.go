// Package fault injects delays and aborts into a route's requests, for
// chaos testing: a share of requests, or those that carry a header, wait
// before they go on, or are answered with an error status at once.
package fault

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Rule selects the requests a fault applies to.
type Rule struct {
	// Percent of all requests (0-100).
	Percent float64
	// Header, when set: requests carrying it are always selected.
	Header string
}

func (r Rule) hit(req *http.Request) bool {
	if r.Header != "" && req.Header.Get(r.Header) != "" {
		return true
	}
	return r.Percent > 0 && rand.Float64()*100 < r.Percent
}

// Options configure the injected faults; a zero Delay or Status turns that
// fault off.
type Options struct {
	Delay     time.Duration
	DelayRule Rule
	Status    int
	AbortRule Rule
	// Counts, when set, is told of every fault injected.
	Counts *Counts
}

// Middleware injects o's faults in front of next. A delay ends early when
// the client goes away.
func Middleware(o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.Delay > 0 && o.DelayRule.hit(r) {
				if o.Counts != nil {
					o.Counts.Delayed.Add(1)
				}
				t := time.NewTimer(o.Delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if o.Status > 0 && o.AbortRule.hit(r) {
				if o.Counts != nil {
					o.Counts.Aborted.Add(1)
				}
				h := w.Header()
				h.Set("Shoal-Error", "fault-injected")
				h.Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(o.Status)
				_, _ = w.Write([]byte(strconv.Itoa(o.Status) + " fault-injected\n"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
