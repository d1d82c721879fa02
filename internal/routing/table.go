package routing

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// Route is one routing rule: requests that meet Match are served by Handler (the
// route's middleware chain, already folded by the gateway's compile step).
type Route struct {
	Name    string // unique within a table; shown by the admin API and in metrics
	Service string // optional label for listings and metrics; routing ignores it
	Match   Match
	Handler http.Handler
}

// Table is an immutable routing table. Build it once, share it, never modify it.
// The zero value and a nil *Table match nothing.
type Table struct {
	routes []Route            // config order; entries point into this slice
	exact  map[string]*bucket // exact host → routes listing it
	wild   map[string]*bucket // wildcard suffix (".example.com") → routes listing it
	any    *bucket            // routes without hosts
}

// Build validates routes and indexes them. It reports every invalid route (by
// position and name) rather than stopping at the first, so a config error message
// can list them all; on error the returned table is nil.
func Build(routes []Route) (*Table, error) {
	t := &Table{
		routes: make([]Route, len(routes)),
		exact:  make(map[string]*bucket),
		wild:   make(map[string]*bucket),
	}
	var errs []error
	names := make(map[string]int, len(routes))
	for i := range routes {
		// Copy the route and its slices so later changes by the caller cannot
		// reach a table that is already serving.
		r := routes[i]
		r.Match.Hosts = slices.Clone(r.Match.Hosts)
		r.Match.Methods = slices.Clone(r.Match.Methods)
		r.Match.Headers = slices.Clone(r.Match.Headers)
		r.Match.Query = slices.Clone(r.Match.Query)
		t.routes[i] = r
		if err := t.add(i, names); err != nil {
			errs = append(errs, fmt.Errorf("route %d (%q): %w", i, r.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("building routing table: %w", errors.Join(errs...))
	}
	for _, b := range t.exact {
		b.sort()
	}
	for _, b := range t.wild {
		b.sort()
	}
	if t.any != nil {
		t.any.sort()
	}
	return t, nil
}

// add compiles route i and puts it into every host bucket it belongs to.
func (t *Table) add(i int, names map[string]int) error {
	r := &t.routes[i]
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	} else if j, dup := names[r.Name]; dup {
		errs = append(errs, fmt.Errorf("name is already used by route %d", j))
	} else {
		names[r.Name] = i
	}
	if r.Handler == nil {
		errs = append(errs, errors.New("handler is nil"))
	}
	e, err := compileMatch(&r.Match)
	if err != nil {
		errs = append(errs, err)
	}
	patterns := make([]hostPattern, 0, len(r.Match.Hosts))
	for _, h := range r.Match.Hosts {
		p, err := parseHostPattern(h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !slices.Contains(patterns, p) {
			patterns = append(patterns, p)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	e.route, e.index = r, i
	if len(patterns) == 0 {
		if t.any == nil {
			t.any = newBucket()
		}
		t.any.add(e)
		return nil
	}
	for _, p := range patterns {
		m := t.exact
		if p.wildcard {
			m = t.wild
		}
		b := m[p.name]
		if b == nil {
			b = newBucket()
			m[p.name] = b
		}
		b.add(e)
	}
	return nil
}

// Lookup returns the highest-precedence route that matches r, or nil. It does not
// allocate. The returned Route belongs to the table and must not be modified.
//
// Buckets are tried from the most specific host class down (exact host, wildcards
// longest suffix first, then routes without hosts); within a bucket the path and
// tie-break order applies. Host class dominates the total order, so the first
// bucket with a match holds the winner.
func (t *Table) Lookup(r *http.Request) *Route {
	if t == nil || r.URL == nil {
		return nil
	}
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	var buf [maxHostLen]byte
	if host, ok := requestHost(&buf, r.Host); ok && len(host) > 0 {
		if b := t.exact[string(host)]; b != nil {
			if e := b.lookup(r, path); e != nil {
				return e.route
			}
		}
		if len(t.wild) > 0 {
			// Scanning dots left to right yields suffixes longest first; starting
			// at 1 keeps at least one label in front, so *.example.com never
			// matches example.com itself.
			for i := 1; i < len(host); i++ {
				if host[i] != '.' {
					continue
				}
				if b := t.wild[string(host[i:])]; b != nil {
					if e := b.lookup(r, path); e != nil {
						return e.route
					}
				}
			}
		}
	}
	if t.any != nil {
		if e := t.any.lookup(r, path); e != nil {
			return e.route
		}
	}
	return nil
}

// Routes returns a copy of the table's routes in config order, for listings.
func (t *Table) Routes() []Route {
	if t == nil {
		return nil
	}
	return slices.Clone(t.routes)
}

// Len is the number of routes in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.routes)
}
