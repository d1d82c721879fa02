package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/auth"
)

// buildAuth compiles a route's security_headers, cors and auth sections,
// outermost in that order: hardening headers reach every answer, and
// browsers' preflights are answered before credentials are asked for.
func buildAuth(g *Gateway, route string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	var layers []func(http.Handler) http.Handler
	if s := rc.SecurityHeaders; s != nil {
		layers = append(layers, auth.SecurityHeaders(s.HSTS.D(), s.ContentSecurityPolicy))
	}
	if c := rc.CORS; c != nil {
		layers = append(layers, auth.CORS(auth.CORSOptions{Origins: c.Origins, Methods: c.Methods, Headers: c.Headers,
			Expose: c.ExposeHeaders, Credentials: c.Credentials, MaxAge: c.MaxAge.D()}))
	}
	if a := rc.Auth; a != nil {
		mw, err := g.authLayer(route, a)
		if err != nil {
			return nil, fmt.Errorf("route %s: auth: %w", route, err)
		}
		layers = append(layers, mw)
	}
	if len(layers) == 0 {
		return nil, nil
	}
	return func(h http.Handler) http.Handler {
		for i := len(layers) - 1; i >= 0; i-- {
			h = layers[i](h)
		}
		return h
	}, nil
}

func (g *Gateway) authLayer(route string, a *config.Auth) (func(http.Handler) http.Handler, error) {
	o := auth.Options{Optional: a.Optional, Scopes: a.Scopes, Roles: a.Roles, RolesClaim: a.RolesClaim,
		Methods: a.Methods, ClaimHeaders: a.ClaimHeaders, Log: g.log.With("route", route)}
	if j := a.JWT; j != nil {
		jo := auth.JWTOptions{HMACSecret: []byte(j.HS256Secret), Algorithms: j.Algorithms, Issuer: j.Issuer,
			Audience: j.Audience, ClockSkew: j.ClockSkew.D()}
		if j.JWKSURL != "" {
			jo.JWKS = g.jwks(j.JWKSURL, j.JWKSRefresh.D())
		}
		v, err := auth.NewVerifier(jo)
		if err != nil {
			return nil, err
		}
		o.JWT = v
	}
	if k := a.APIKeys; k != nil {
		byHash := make(map[string]string, len(k.Keys))
		for _, key := range k.Keys {
			byHash[key.SHA256] = key.Name
		}
		o.APIKeys = &auth.APIKeys{Header: k.Header, ByHash: byHash}
	}
	if b := a.Basic; b != nil {
		users := make(map[string][]byte, len(b.Users))
		for _, u := range b.Users {
			users[u.Name] = []byte(u.Bcrypt)
		}
		basic, err := auth.NewBasicUsers(b.Realm, users)
		if err != nil {
			return nil, err
		}
		o.Basic = basic
	}
	p := g.policies()
	o.Count = func(outcome string) { p.authCount.WithLabelValues(route, outcome).Inc() }
	return auth.New(o), nil
}

// jwks returns the gateway's key set for url, kept across reloads so a
// reload does not refetch every issuer's keys.
func (g *Gateway) jwks(url string, refresh time.Duration) *auth.JWKS {
	p := g.policies()
	p.mu.Lock()
	defer p.mu.Unlock()
	key := url + "\x00" + refresh.String()
	if s, ok := p.jwks[key]; ok {
		return s
	}
	s := auth.NewJWKS(url, nil, refresh, 0)
	p.jwks[key] = s
	return s
}
