// Package headers adds, sets and removes request and response headers for a route
// (Gateway API RequestHeaderModifier / ResponseHeaderModifier, Traefik Headers).
package headers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Header is one header field to add or set.
type Header struct {
	Name  string
	Value string
}

// Ops changes one header map. They run in the order Remove, Set, Add; a name may
// not be both removed and set or added, because such a config is almost always
// a mistake and its outcome would depend on that order.
type Ops struct {
	Remove []string // delete every value of these headers
	Set    []Header // replace all values with this one
	Add    []Header // append a value, keeping the ones already there
}

// Options configures the middleware. Either side may be empty.
type Options struct {
	// Request changes the request before the next handler sees it. Setting
	// "Host" changes the host sent upstream (r.Host); removing or adding Host
	// is an error.
	Request Ops
	// Response changes the response headers just before they are sent,
	// whether the inner handler calls WriteHeader, Write, Flush or nothing.
	Response Ops
}

// compiled is an Ops with canonical names, ready for the request path.
type compiled struct {
	remove []string
	set    []Header
	add    []Header
}

func (c *compiled) empty() bool { return len(c.remove)+len(c.set)+len(c.add) == 0 }

func (c *compiled) apply(h http.Header) {
	for _, n := range c.remove {
		delete(h, n)
	}
	for _, kv := range c.set {
		h[kv.Name] = []string{kv.Value}
	}
	for _, kv := range c.add {
		h[kv.Name] = append(h[kv.Name], kv.Value)
	}
}

// New validates opts and returns the middleware.
func New(opts Options) (func(http.Handler) http.Handler, error) {
	req, err := compile(opts.Request)
	if err != nil {
		return nil, fmt.Errorf("request headers: %w", err)
	}
	var host *string
	for i, kv := range req.set {
		if kv.Name == "Host" {
			v := kv.Value
			host = &v
			req.set = append(req.set[:i:i], req.set[i+1:]...)
			break
		}
	}
	for _, n := range append(append([]string(nil), req.remove...), names(req.add)...) {
		if n == "Host" {
			return nil, errors.New("request headers: Host can only be set")
		}
	}
	resp, err := compile(opts.Response)
	if err != nil {
		return nil, fmt.Errorf("response headers: %w", err)
	}
	return func(next http.Handler) http.Handler {
		return &handler{next: next, req: req, host: host, resp: resp}
	}, nil
}

func compile(o Ops) (*compiled, error) {
	c := &compiled{}
	var errs []error
	removed := make(map[string]bool, len(o.Remove))
	for _, n := range o.Remove {
		if !validName(n) {
			errs = append(errs, fmt.Errorf("remove: invalid header name %q", n))
			continue
		}
		cn := http.CanonicalHeaderKey(n)
		removed[cn] = true
		c.remove = append(c.remove, cn)
	}
	for _, group := range []struct {
		op  string
		in  []Header
		out *[]Header
	}{{"set", o.Set, &c.set}, {"add", o.Add, &c.add}} {
		for _, kv := range group.in {
			if !validName(kv.Name) {
				errs = append(errs, fmt.Errorf("%s: invalid header name %q", group.op, kv.Name))
				continue
			}
			if !validValue(kv.Value) {
				errs = append(errs, fmt.Errorf("%s %s: value contains a control character", group.op, kv.Name))
				continue
			}
			cn := http.CanonicalHeaderKey(kv.Name)
			if removed[cn] {
				errs = append(errs, fmt.Errorf("%s %s: the header is also removed", group.op, cn))
				continue
			}
			*group.out = append(*group.out, Header{Name: cn, Value: kv.Value})
		}
	}
	return c, errors.Join(errs...)
}

func names(hs []Header) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

// validName reports whether n is an RFC 9110 token.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validValue rejects CR, LF, NUL and other controls except tab, which would let
// a value split into a second header or be refused by the HTTP stack.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

type handler struct {
	next http.Handler
	req  *compiled
	host *string // non-nil when the request Host is set
	resp *compiled
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The route's chain owns r, so its headers are changed in place rather
	// than copied: everything after this middleware, including retries and
	// the forwarder, sees the changed request.
	h.req.apply(r.Header)
	if h.host != nil {
		r.Host = *h.host
	}
	if h.resp.empty() {
		h.next.ServeHTTP(w, r)
		return
	}
	rw := &responseWriter{ResponseWriter: w, ops: h.resp}
	h.next.ServeHTTP(rw, r)
	// A handler that writes nothing still gets a response: net/http sends
	// the header map after it returns, so apply the changes now.
	rw.apply()
}
