// Package routing holds Shoal's immutable routing table: it maps a request to the
// most specific Route by host, path, method, headers and query parameters, with the precedence of the
// Kubernetes Gateway API HTTPRoute (see docs/routing.md for the total order).
//
// A Table is built once per config version and then only read, so many goroutines
// may call Lookup concurrently without locks. Lookup does not allocate.
package routing

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// HeaderMatchKind says how a HeaderMatch compares a request header.
type HeaderMatchKind uint8

const (
	// HeaderExact matches when one of the header's values equals Value (case-sensitive).
	HeaderExact HeaderMatchKind = iota
	// HeaderRegex matches when one of the header's values fully matches the RE2 Value.
	HeaderRegex
	// HeaderPresent matches when the header is present, whatever its value.
	HeaderPresent
	// HeaderAbsent matches when the header is not in the request at all; a
	// header sent with an empty value is present. For precedence it counts
	// as one header matcher, like the other kinds.
	HeaderAbsent
)

// String names the kind as it appears in errors and the admin API.
func (k HeaderMatchKind) String() string {
	switch k {
	case HeaderExact:
		return "exact"
	case HeaderRegex:
		return "regex"
	case HeaderPresent:
		return "present"
	case HeaderAbsent:
		return "absent"
	}
	return fmt.Sprintf("HeaderMatchKind(%d)", uint8(k))
}

// HeaderMatch is one condition on a request header. Name is case-insensitive.
type HeaderMatch struct {
	Name  string
	Kind  HeaderMatchKind
	Value string // the exact value or the regex; ignored for HeaderPresent and HeaderAbsent
}

// Match is the set of conditions a request must meet for a Route to apply. Every
// non-empty field must match (AND). The zero Match matches every request.
type Match struct {
	// Hosts lists exact host names ("api.example.com") or wildcards
	// ("*.example.com", which matches any deeper subdomain but not example.com).
	// Compared case-insensitively with the request's host, port removed. Empty
	// means any host; a request matches when any listed host matches.
	Hosts []string

	// At most one of the three path matchers may be set. None is the same as
	// PathPrefix "/".
	PathExact  string // the whole path, byte for byte
	PathPrefix string // whole path segments: "/api" matches /api and /api/x, not /apix
	PathRegex  string // RE2, must match the whole path (anchored at both ends)

	// Methods, when non-empty, is the set of request methods that match (exact,
	// case-sensitive as in HTTP; names are upper-cased when the table is built).
	Methods []string

	// Headers must all match.
	Headers []HeaderMatch

	// Query parameters must all match. For precedence they count after
	// headers: among otherwise equal routes, more query matchers win.
	Query []QueryMatch
}

// pathKind is the precedence class of a route's path matcher, best first.
type pathKind uint8

const (
	pathExact pathKind = iota
	pathPrefix
	pathRegex
	pathAny // no path matcher, or PathPrefix "/"
)

// headerMatcher is a HeaderMatch ready for the request path.
type headerMatcher struct {
	name  string // canonical MIME header key, so r.Header[name] needs no allocation
	kind  HeaderMatchKind
	value string
	re    *regexp.Regexp
}

func (h *headerMatcher) matches(hdr http.Header) bool {
	vals, ok := hdr[h.name]
	if h.kind == HeaderAbsent {
		return !ok
	}
	if !ok {
		return false
	}
	switch h.kind {
	case HeaderPresent:
		return true
	case HeaderExact:
		for _, v := range vals {
			if v == h.value {
				return true
			}
		}
	case HeaderRegex:
		for _, v := range vals {
			if h.re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// entry is a compiled route: the parts of the Match that are checked after the
// host and path indexes have narrowed the candidates.
type entry struct {
	route   *Route
	index   int // position in config order, the last tie-breaker
	kind    pathKind
	path    string         // exact path or normalized prefix (no trailing slash)
	re      *regexp.Regexp // for pathRegex
	methods []string
	headers []headerMatcher
	query   []queryMatcher
}

// matches checks what the indexes did not: the regex, methods and headers.
func (e *entry) matches(r *http.Request, path string) bool {
	if e.re != nil && !e.re.MatchString(path) {
		return false
	}
	if len(e.methods) == 0 {
		// CONNECT asks the gateway to open a tunnel to r.Host; only a route that
		// names CONNECT explicitly may accept one, so a catch-all route never
		// turns the gateway into a tunnel to arbitrary hosts.
		if r.Method == http.MethodConnect {
			return false
		}
	} else {
		found := false
		for _, m := range e.methods {
			if m == r.Method {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for i := range e.headers {
		if !e.headers[i].matches(r.Header) {
			return false
		}
	}
	for i := range e.query {
		if !e.query[i].matches(r.URL.RawQuery) {
			return false
		}
	}
	return true
}

// compileMatch validates m and turns it into an entry (without route and index).
// It returns every problem found, joined.
func compileMatch(m *Match) (*entry, error) {
	var errs []error
	e := &entry{kind: pathAny}
	set := 0
	if m.PathExact != "" {
		set++
		if !strings.HasPrefix(m.PathExact, "/") {
			errs = append(errs, fmt.Errorf("path_exact %q must start with /", m.PathExact))
		}
		e.kind, e.path = pathExact, m.PathExact
	}
	if m.PathPrefix != "" {
		set++
		if !strings.HasPrefix(m.PathPrefix, "/") {
			errs = append(errs, fmt.Errorf("path_prefix %q must start with /", m.PathPrefix))
		}
		// A trailing slash does not change segment matching ("/api/" is "/api"),
		// and "/" alone matches everything, so it is the same as no path matcher.
		p := strings.TrimRight(m.PathPrefix, "/")
		if p == "" {
			e.kind, e.path = pathAny, ""
		} else {
			e.kind, e.path = pathPrefix, p
		}
	}
	if m.PathRegex != "" {
		set++
		re, err := regexp.Compile(`^(?:` + m.PathRegex + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("path_regex %q: %w", m.PathRegex, err))
		}
		e.kind, e.re = pathRegex, re
	}
	if set > 1 {
		errs = append(errs, errors.New("set at most one of path_exact, path_prefix, path_regex"))
	}

	seen := make(map[string]bool, len(m.Methods))
	for _, meth := range m.Methods {
		up := strings.ToUpper(meth)
		if !validToken(up) {
			errs = append(errs, fmt.Errorf("method %q is not a valid HTTP method token", meth))
			continue
		}
		if !seen[up] {
			seen[up] = true
			e.methods = append(e.methods, up)
		}
	}

	for i, h := range m.Headers {
		hm, err := compileHeader(h)
		if err != nil {
			errs = append(errs, fmt.Errorf("headers[%d]: %w", i, err))
			continue
		}
		e.headers = append(e.headers, hm)
	}
	for i, q := range m.Query {
		qm, err := compileQuery(q)
		if err != nil {
			errs = append(errs, fmt.Errorf("query[%d]: %w", i, err))
			continue
		}
		e.query = append(e.query, qm)
	}
	return e, errors.Join(errs...)
}

func compileHeader(h HeaderMatch) (headerMatcher, error) {
	if !validToken(h.Name) {
		return headerMatcher{}, fmt.Errorf("header name %q is not a valid token", h.Name)
	}
	name := http.CanonicalHeaderKey(h.Name)
	if name == "Host" {
		// net/http moves Host out of r.Header, so this matcher could never match.
		return headerMatcher{}, errors.New("match the Host header with hosts, not a header matcher")
	}
	hm := headerMatcher{name: name, kind: h.Kind, value: h.Value}
	switch h.Kind {
	case HeaderExact, HeaderPresent, HeaderAbsent:
	case HeaderRegex:
		re, err := regexp.Compile(`^(?:` + h.Value + `)$`)
		if err != nil {
			return headerMatcher{}, fmt.Errorf("header %s regex %q: %w", name, h.Value, err)
		}
		hm.re = re
	default:
		return headerMatcher{}, fmt.Errorf("header %s: unknown match kind %v", name, h.Kind)
	}
	return hm, nil
}

// validToken reports whether s is a non-empty RFC 9110 token (method and header names).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
