package routing

import (
	"cmp"
	"net/http"
	"slices"
)

// bucket holds the routes of one host (or of no host), indexed by path so a lookup
// touches only candidates whose path can match: one map probe for exact paths and
// one per path segment for prefixes. Regexes are tried in turn.
type bucket struct {
	exact  map[string][]*entry // exact path → candidates, best first
	prefix map[string][]*entry // normalized prefix → candidates, best first
	regex  []*entry            // best first
	all    []*entry            // no path matcher (or prefix "/"), best first
}

func newBucket() *bucket {
	return &bucket{exact: make(map[string][]*entry), prefix: make(map[string][]*entry)}
}

func (b *bucket) add(e *entry) {
	switch e.kind {
	case pathExact:
		b.exact[e.path] = append(b.exact[e.path], e)
	case pathPrefix:
		b.prefix[e.path] = append(b.prefix[e.path], e)
	case pathRegex:
		b.regex = append(b.regex, e)
	default:
		b.all = append(b.all, e)
	}
}

// sort orders every candidate list by the tie-breakers that follow the path in
// the total order. The path class and prefix length are already encoded by the
// index structure itself.
func (b *bucket) sort() {
	for _, l := range b.exact {
		slices.SortFunc(l, compareTies)
	}
	for _, l := range b.prefix {
		slices.SortFunc(l, compareTies)
	}
	slices.SortFunc(b.regex, compareTies)
	slices.SortFunc(b.all, compareTies)
}

// compareTies ranks routes whose host and path rank equally: a method matcher
// first, then more header matchers of any kind (an absent-header condition
// narrows the match like the others), then more query parameter matchers,
// then config order (Gateway API HTTPRouteMatch
// precedence, items 3 to 5, with config order standing in for creation time).
func compareTies(a, b *entry) int {
	am, bm := len(a.methods) > 0, len(b.methods) > 0
	if am != bm {
		if am {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(len(b.headers), len(a.headers)); c != 0 {
		return c
	}
	if c := cmp.Compare(len(b.query), len(a.query)); c != 0 {
		return c
	}
	return cmp.Compare(a.index, b.index)
}

// lookup returns the best entry in this bucket that matches r, or nil.
func (b *bucket) lookup(r *http.Request, path string) *entry {
	if e := firstMatch(b.exact[path], r, path); e != nil {
		return e
	}
	if len(b.prefix) > 0 {
		// Longest prefix first: the whole path, then the path cut at each '/'
		// from the right. Prefixes are stored without a trailing slash, so a
		// cut at '/' is exactly a segment boundary.
		if e := firstMatch(b.prefix[path], r, path); e != nil {
			return e
		}
		for i := len(path) - 1; i > 0; i-- {
			if path[i] != '/' {
				continue
			}
			if e := firstMatch(b.prefix[path[:i]], r, path); e != nil {
				return e
			}
		}
	}
	if e := firstMatch(b.regex, r, path); e != nil {
		return e
	}
	return firstMatch(b.all, r, path)
}

func firstMatch(l []*entry, r *http.Request, path string) *entry {
	for _, e := range l {
		if e.matches(r, path) {
			return e
		}
	}
	return nil
}
