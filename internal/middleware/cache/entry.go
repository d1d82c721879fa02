package cache

import (
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// Entry is one stored response. It is never changed once stored: a 304
// update stores a new Entry, so readers need no lock.
type Entry struct {
	// Key is the primary cache key (host and request target).
	Key string
	// Vary holds the request's values of the fields the response varies
	// on, by canonical name, normalised (see varyValue).
	Vary   map[string]string
	Status int
	Header http.Header
	Body   []byte
	// RequestTime and ResponseTime bracket the origin exchange that made
	// the response, for the age calculation.
	RequestTime, ResponseTime time.Time

	cc directives // Cache-Control
	sc directives // Surrogate-Control, for this gateway
}

func newEntry(key string, r *http.Request, status int, h http.Header, body []byte, reqTime, respTime time.Time) *Entry {
	e := &Entry{Key: key, Status: status, Header: storableHeader(h), Body: body, RequestTime: reqTime, ResponseTime: respTime}
	e.parse()
	for _, f := range varyFields(e.Header) {
		if e.Vary == nil {
			e.Vary = map[string]string{}
		}
		e.Vary[f] = varyValue(r.Header, f)
	}
	return e
}

// parse reads the directives of the stored header.
func (e *Entry) parse() {
	e.cc, e.sc = parseCC(e.Header), parseSurrogate(e.Header)
}

// size approximates the memory an entry holds.
func (e *Entry) size() int64 {
	n := int64(len(e.Body) + len(e.Key) + 200)
	for k, vs := range e.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 16)
		}
	}
	for k, v := range e.Vary {
		n += int64(len(k) + len(v))
	}
	return n
}

// matches reports whether a stored variant can answer r (RFC 9111 §4.1).
func (e *Entry) matches(r *http.Request) bool {
	for f, v := range e.Vary {
		if varyValue(r.Header, f) != v {
			return false
		}
	}
	return true
}

// varyFields lists the request fields named by Vary, canonicalised; "*"
// is returned as is.
func varyFields(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if f != "*" {
					f = textproto.CanonicalMIMEHeaderKey(f)
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// varyValue normalises a request field for Vary matching: the field lines
// combined, whitespace around commas removed, so "a, b" and "a,b" match.
func varyValue(h http.Header, name string) string {
	vals := h.Values(name)
	if len(vals) == 0 {
		return "\x00absent"
	}
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			parts = append(parts, strings.TrimSpace(p))
		}
	}
	v := strings.Join(parts, ",")
	// Language tags and content codings are case-insensitive, so "en-US"
	// and "en-us" ask for the same variant.
	if name == "Accept-Language" || name == "Accept-Encoding" {
		v = strings.ToLower(v)
	}
	return v
}

// hopByHop fields describe one connection and are never stored.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func storableHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, line := range h.Values("Connection") {
		for _, f := range strings.Split(line, ",") {
			out.Del(strings.TrimSpace(f))
		}
	}
	for _, f := range hopByHop {
		out.Del(f)
	}
	// Shoal-added fields describe one answer, not the stored response.
	// Surrogate-Control is kept (it is re-read after a 304 or from a
	// shared store) and removed from every answer instead.
	out.Del("Cache-Status")
	return out
}

// keepOn304 are the stored fields a 304 never replaces: they describe the
// stored representation's bytes or identity, which a 304 does not carry
// (RFC 9111 §3.2 for Content-Length; the others as the cache-tests suite
// and common caches treat them).
var keepOn304 = map[string]bool{"Content-Length": true, "Content-Encoding": true, "Content-Md5": true,
	"Content-Range": true, "Etag": true}

// updated returns the entry refreshed by a 304 (RFC 9111 §3.2, §4.3.4):
// the 304's fields replace the stored ones, except keepOn304.
func (e *Entry) updated(h http.Header, reqTime, respTime time.Time) *Entry {
	n := *e
	n.Header = e.Header.Clone()
	for k, vs := range storableHeader(h) {
		if !keepOn304[k] {
			n.Header[k] = vs
		}
	}
	n.RequestTime, n.ResponseTime = reqTime, respTime
	n.parse()
	return &n
}
