package balancer

import (
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// KeyKind says where a hash key comes from.
type KeyKind uint8

// Key sources.
const (
	KeyClientIP KeyKind = iota + 1
	KeyHeader
	KeyCookie
	KeyQuery
	KeyPath
)

// Key extracts the hash key of a request for ring_hash and maglev.
type Key struct {
	Kind KeyKind
	// Name is the header (canonical form), cookie or query parameter name.
	Name string
	// Segment is the 0-based path segment for KeyPath: in /api/users/42,
	// segment 0 is "api" and segment 2 is "42".
	Segment int
	// ClientIP overrides how KeyClientIP finds the client (trusted proxies);
	// nil means the host part of RemoteAddr.
	ClientIP func(r *http.Request) string
}

// maxSegment bounds path:N; no real route nests deeper.
const maxSegment = 255

// ParseKey parses a hash-key spec: "client_ip", "header:NAME",
// "cookie:NAME", "query:NAME" or "path:N". The empty spec means client_ip.
func ParseKey(spec string) (Key, error) {
	if spec == "" || spec == "client_ip" {
		return Key{Kind: KeyClientIP}, nil
	}
	kind, arg, found := strings.Cut(spec, ":")
	if !found {
		return Key{}, fmt.Errorf("hash key %q: want client_ip, header:NAME, cookie:NAME, query:NAME or path:N", spec)
	}
	switch kind {
	case "header":
		if !isToken(arg) {
			return Key{}, fmt.Errorf("hash key %q: %q is not a valid header name", spec, arg)
		}
		return Key{Kind: KeyHeader, Name: textproto.CanonicalMIMEHeaderKey(arg)}, nil
	case "cookie":
		if !isToken(arg) {
			return Key{}, fmt.Errorf("hash key %q: %q is not a valid cookie name", spec, arg)
		}
		return Key{Kind: KeyCookie, Name: arg}, nil
	case "query":
		if arg == "" || strings.ContainsAny(arg, "&=#") {
			return Key{}, fmt.Errorf("hash key %q: query parameter name must be non-empty without & = #", spec)
		}
		return Key{Kind: KeyQuery, Name: arg}, nil
	case "path":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > maxSegment || strconv.Itoa(n) != arg {
			return Key{}, fmt.Errorf("hash key %q: path segment must be an integer 0..%d", spec, maxSegment)
		}
		return Key{Kind: KeyPath, Segment: n}, nil
	}
	return Key{}, fmt.Errorf("hash key %q: unknown source %q (want header, cookie, query or path)", spec, kind)
}

// String gives the spec back in ParseKey's syntax.
func (k Key) String() string {
	switch k.Kind {
	case KeyHeader:
		return "header:" + k.Name
	case KeyCookie:
		return "cookie:" + k.Name
	case KeyQuery:
		return "query:" + k.Name
	case KeyPath:
		return "path:" + strconv.Itoa(k.Segment)
	}
	return "client_ip"
}

// isToken reports whether s is an RFC 7230 token (header and cookie names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// Value returns the key's value in r; ok is false when the request has none
// (absent or empty), and the caller falls back to a non-hashed pick.
// It does not allocate except to unescape a %-encoded query value.
func (k Key) Value(r *http.Request) (string, bool) {
	if r == nil {
		return "", false
	}
	var v string
	switch k.Kind {
	case KeyClientIP:
		v = k.clientIP(r)
	case KeyHeader:
		if vs := r.Header[k.Name]; len(vs) > 0 {
			v = vs[0]
		}
	case KeyCookie:
		v = cookieValue(r.Header["Cookie"], k.Name)
	case KeyQuery:
		if r.URL != nil {
			v = queryValue(r.URL.RawQuery, k.Name)
		}
	case KeyPath:
		if r.URL != nil {
			v = pathSegment(r.URL.Path, k.Segment)
		}
	}
	return v, v != ""
}

// Hash is the key's position on the ring / in the table.
func (k Key) Hash(r *http.Request) (uint64, bool) {
	v, ok := k.Value(r)
	if !ok {
		return 0, false
	}
	return hashString(v), true
}

func (k Key) clientIP(r *http.Request) string {
	if k.ClientIP != nil {
		return k.ClientIP(r)
	}
	return remoteHost(r.RemoteAddr)
}

// remoteHost strips the port (and IPv6 brackets) from a RemoteAddr.
func remoteHost(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 || strings.IndexByte(addr, ']') > i {
		return addr // no port
	}
	host := addr[:i]
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host
}

// cookieValue scans Cookie header lines for name without building
// http.Cookie values (r.Cookie allocates for every cookie on the line).
func cookieValue(lines []string, name string) string {
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			n, v, ok := strings.Cut(part, "=")
			if !ok || n != name {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v
		}
	}
	return ""
}

// queryValue finds the first name=value in a raw query. Names are compared
// raw; values are unescaped only when they contain an escape, so that
// "a%20b" and "a+b" hash like "a b".
func queryValue(raw, name string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		n, v, _ := strings.Cut(pair, "=")
		if n != name {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
		}
		return v
	}
	return ""
}

// pathSegment returns segment n (0-based) of a path, ignoring the leading
// slash; "" when the path is shorter.
func pathSegment(path string, n int) string {
	path = strings.TrimPrefix(path, "/")
	for i := 0; path != ""; i++ {
		seg, rest, _ := strings.Cut(path, "/")
		if i == n {
			return seg
		}
		path = rest
	}
	return ""
}
