package tracing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query filters and orders List.
type Query struct {
	// Service keeps traces whose server span names this service.
	Service string
	// Status is "error" (any span failed), "ok" (none did), a class such
	// as "5xx", or an exact code such as "503". Empty keeps all.
	Status string
	// MinDuration keeps traces at least this long.
	MinDuration time.Duration
	// Sort is "recent" (newest first, the default) or "slowest".
	Sort string
	// Limit bounds the answer (default 100).
	Limit int
}

// Validate reports a query the store cannot answer.
func (q Query) Validate() error {
	switch q.Sort {
	case "", "recent", "slowest":
	default:
		return fmt.Errorf("sort %q: want recent or slowest", q.Sort)
	}
	if _, err := statusMatcher(q.Status); err != nil {
		return err
	}
	if q.MinDuration < 0 {
		return fmt.Errorf("min_duration %s is negative", q.MinDuration)
	}
	return nil
}

func statusMatcher(s string) (func(Summary) bool, error) {
	switch {
	case s == "":
		return func(Summary) bool { return true }, nil
	case s == "error":
		return func(t Summary) bool { return t.Error }, nil
	case s == "ok":
		return func(t Summary) bool { return !t.Error }, nil
	case len(s) == 3 && s[0] >= '1' && s[0] <= '5' && strings.EqualFold(s[1:], "xx"):
		class := int(s[0] - '0')
		return func(t Summary) bool { return t.Status/100 == class }, nil
	}
	code, err := strconv.Atoi(s)
	if err != nil || code < 100 || code > 599 {
		return nil, fmt.Errorf("status %q: want error, ok, a class like 5xx or a code like 503", s)
	}
	return func(t Summary) bool { return t.Status == code }, nil
}

// List returns the kept traces that match q. A trace whose server span has
// not ended yet (the request is still running) is left out.
func (r *Recent) List(q Query) ([]Summary, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	match, _ := statusMatcher(q.Status)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	out := []Summary{}
	for _, kt := range r.newestFirst() {
		s, complete := summarize(kt.spans)
		switch {
		case !complete,
			q.Service != "" && s.Service != q.Service,
			s.DurationMS < float64(q.MinDuration)/float64(time.Millisecond),
			!match(s):
			continue
		}
		out = append(out, s)
		if q.Sort != "slowest" && len(out) == limit {
			break
		}
	}
	if q.Sort == "slowest" {
		slices.SortStableFunc(out, func(a, b Summary) int { return compareFloat(b.DurationMS, a.DurationMS) })
		if len(out) > limit {
			out = out[:limit]
		}
	}
	return out, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
