package routing

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// QueryMatchKind says how a QueryMatch compares a query parameter.
type QueryMatchKind uint8

const (
	// QueryExact matches when the parameter's value equals Value (case-sensitive).
	QueryExact QueryMatchKind = iota
	// QueryRegex matches when the parameter's value fully matches the RE2 Value.
	QueryRegex
)

// QueryMatch is one condition on a query parameter. Name is case-sensitive
// and compared after percent-decoding; when the parameter appears several
// times, only its first occurrence counts (as the Gateway API says).
type QueryMatch struct {
	Name  string
	Kind  QueryMatchKind
	Value string // the exact value or the regex
}

// queryMatcher is a QueryMatch ready for the request path.
type queryMatcher struct {
	name  string
	kind  QueryMatchKind
	value string
	re    *regexp.Regexp
}

// matches finds the first occurrence of the parameter in the raw query and
// compares its value. It slices the raw query in place, so it allocates
// only for a pair that is percent- or plus-encoded and must be decoded.
func (q *queryMatcher) matches(rawQuery string) bool {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		if k, ok := decodeQueryPart(key); !ok || k != q.name {
			continue
		}
		v, ok := decodeQueryPart(value)
		if !ok {
			return false
		}
		if q.kind == QueryRegex {
			return q.re.MatchString(v)
		}
		return v == q.value
	}
	return false
}

// decodeQueryPart percent-decodes s as url.ParseQuery would (with '+' as a
// space), returning s itself when there is nothing to decode.
func decodeQueryPart(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	d, err := url.QueryUnescape(s)
	return d, err == nil
}

func compileQuery(q QueryMatch) (queryMatcher, error) {
	if q.Name == "" {
		return queryMatcher{}, errors.New("query parameter name is empty")
	}
	qm := queryMatcher{name: q.Name, kind: q.Kind, value: q.Value}
	switch q.Kind {
	case QueryExact:
	case QueryRegex:
		re, err := regexp.Compile(`^(?:` + q.Value + `)$`)
		if err != nil {
			return queryMatcher{}, fmt.Errorf("query %s regex %q: %w", q.Name, q.Value, err)
		}
		qm.re = re
	default:
		return queryMatcher{}, fmt.Errorf("query %s: unknown match kind %d", q.Name, q.Kind)
	}
	return qm, nil
}
