package gatewayapi

import (
	"sort"
	"strings"
	"time"
)

// Path kinds in precedence order. The API ranks Exact above PathPrefix and
// leaves RegularExpression to the implementation; Shoal tries a regex
// after exact paths and before prefixes, so a "/" prefix never hides it.
const (
	pathExact = iota
	pathRegex
	pathPrefix
)

// sortKey orders Shoal routes, which match first to last, so that the
// Gateway API's precedence holds: the most specific hostname, then an
// exact path, the longest prefix, a method, the most headers, the most query
// parameters; ties go to
// the oldest route, then namespace/name, then rule and match order.
type sortKey struct {
	hostClass int // 0 exact host, 1 wildcard, 2 any host
	hostLen   int
	pathKind  int
	pathLen   int
	method    bool
	headers   int
	query     int
	created   time.Time
	route     string
	rule      int
	match     int
	host      int
}

func (k *sortKey) setHost(h string) {
	switch {
	case h == "":
		k.hostClass = 2
	case strings.HasPrefix(h, "*."):
		k.hostClass = 1
	}
	k.hostLen = len(h)
}

func (a sortKey) less(b sortKey) bool {
	switch {
	case a.hostClass != b.hostClass:
		return a.hostClass < b.hostClass
	case a.hostLen != b.hostLen:
		return a.hostLen > b.hostLen
	case a.pathKind != b.pathKind:
		return a.pathKind < b.pathKind
	case a.pathLen != b.pathLen:
		return a.pathLen > b.pathLen
	case a.method != b.method:
		return a.method
	case a.headers != b.headers:
		return a.headers > b.headers
	case a.query != b.query:
		return a.query > b.query
	case !a.created.Equal(b.created):
		return a.created.Before(b.created)
	case a.route != b.route:
		return a.route < b.route
	case a.rule != b.rule:
		return a.rule < b.rule
	case a.match != b.match:
		return a.match < b.match
	}
	return a.host < b.host
}

// Ordered returns the routes of every accepted Routed in precedence order.
func Ordered(rs []*Routed) []Generated {
	var all []Generated
	for _, r := range rs {
		if r.Accepted.OK {
			all = append(all, r.Routes...)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].key.less(all[j].key) })
	return all
}
