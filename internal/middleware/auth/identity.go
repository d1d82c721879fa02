// Package auth authenticates requests (JWT, API keys, basic auth),
// authorises them per route (scopes, roles, methods), passes claims to the
// upstream as headers, and answers CORS preflights with security headers.
package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Identity is the authenticated caller.
type Identity struct {
	// Method is how the caller proved it: jwt, api_key or basic.
	Method  string
	Subject string
	Claims  map[string]any
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the caller of a request that passed auth.
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok
}

// Claim returns a claim of the request's caller as a string, for rate
// limit keys and upstream headers. "sub" is always available.
func Claim(r *http.Request, name string) (string, bool) {
	id, ok := FromContext(r.Context())
	if !ok {
		return "", false
	}
	return claimOf(id, name)
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, claimString(e))
		}
		return strings.Join(parts, ",")
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	default:
		return fmt.Sprint(x)
	}
}

// values returns a claim as a set of strings: a space-separated string
// (OAuth "scope") or an array ("roles", "scp").
func (id *Identity) values(name string) map[string]bool {
	out := map[string]bool{}
	switch x := id.Claims[name].(type) {
	case string:
		for _, f := range strings.Fields(x) {
			out[f] = true
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}
