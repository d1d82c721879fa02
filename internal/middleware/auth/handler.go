package auth

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
)

// Options configure one route's authentication and authorisation. At
// least one of JWT, APIKeys and Basic is set; a request may use any.
type Options struct {
	JWT     *Verifier
	APIKeys *APIKeys
	Basic   *BasicUsers
	// Optional lets requests without credentials through anonymously
	// (bad credentials are still refused).
	Optional bool
	// Scopes the caller must all hold (claim "scope", space-separated, or
	// "scp"); Roles of which it must hold one (claim RolesClaim).
	Scopes     []string
	Roles      []string
	RolesClaim string
	// Methods allowed on the route once authenticated; empty allows all.
	Methods []string
	// ClaimHeaders sends claims upstream: header name → claim name. The
	// client's own copies of these headers are always removed first.
	ClaimHeaders map[string]string
	Log          *slog.Logger
	// Count, optional: called with "ok", "unauthenticated", "forbidden".
	Count func(outcome string)
}

// New returns the middleware.
func New(o Options) func(http.Handler) http.Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Count == nil {
		o.Count = func(string) {}
	}
	if o.RolesClaim == "" {
		o.RolesClaim = "roles"
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Strip first: a client must never be able to pose as a
			// claim the gateway vouches for, even on an anonymous pass.
			for h := range o.ClaimHeaders {
				r.Header.Del(h)
			}
			id, desc, presented := o.authenticate(r)
			if id == nil && (presented || !o.Optional) {
				o.Count("unauthenticated")
				o.challenge(w, desc, presented)
				return
			}
			if id != nil {
				if msg := o.authorise(r, id); msg != "" {
					o.Count("forbidden")
					if id.Method == "jwt" {
						w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="`+msg+`"`)
					}
					http.Error(w, "forbidden: "+msg, http.StatusForbidden)
					return
				}
				for h, claim := range o.ClaimHeaders {
					if v, ok := claimOf(id, claim); ok {
						r.Header.Set(h, v)
					}
				}
				r = r.WithContext(WithIdentity(r.Context(), id))
			}
			o.Count("ok")
			next.ServeHTTP(w, r)
		})
	}
}

// authenticate tries each configured method. presented is true when the
// request carried credentials of some kind; desc says why they failed.
func (o *Options) authenticate(r *http.Request) (id *Identity, desc string, presented bool) {
	if o.JWT != nil {
		if tok, ok := bearer(r); ok {
			id, err := o.JWT.Verify(r.Context(), tok)
			if err != nil {
				return nil, err.Error(), true
			}
			return id, "", true
		}
	}
	if o.APIKeys != nil {
		id, ok := o.APIKeys.check(r)
		if !ok {
			return nil, "the API key is not valid", true
		}
		if id != nil {
			return id, "", true
		}
	}
	if o.Basic != nil {
		id, ok := o.Basic.check(r)
		if !ok {
			return nil, "the user name or password is wrong", true
		}
		if id != nil {
			return id, "", true
		}
	}
	return nil, "credentials are required", false
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// challenge answers 401 with a WWW-Authenticate per configured method
// (RFC 6750 for bearer tokens: error and error_description).
func (o *Options) challenge(w http.ResponseWriter, desc string, presented bool) {
	h := w.Header()
	if o.JWT != nil {
		v := `Bearer realm="shoal"`
		if presented {
			v += `, error="invalid_token", error_description=` + strconv.Quote(desc)
		}
		h.Add("WWW-Authenticate", v)
	}
	if o.Basic != nil {
		h.Add("WWW-Authenticate", `Basic realm=`+strconv.Quote(o.Basic.Realm)+`, charset="UTF-8"`)
	}
	http.Error(w, "unauthorized: "+desc, http.StatusUnauthorized)
}

// authorise returns "" or why the caller may not make this request.
func (o *Options) authorise(r *http.Request, id *Identity) string {
	if len(o.Methods) > 0 && !containsFold(o.Methods, r.Method) {
		return "method " + r.Method + " is not allowed"
	}
	if len(o.Scopes) > 0 {
		have := id.values("scope")
		for s := range id.values("scp") {
			have[s] = true
		}
		for _, s := range o.Scopes {
			if !have[s] {
				return "scope " + s + " is required"
			}
		}
	}
	if len(o.Roles) > 0 {
		have := id.values(o.RolesClaim)
		ok := false
		for _, role := range o.Roles {
			ok = ok || have[role]
		}
		if !ok {
			return "one of the roles " + strings.Join(o.Roles, ", ") + " is required"
		}
	}
	return ""
}

func claimOf(id *Identity, name string) (string, bool) {
	if name == "sub" && id.Subject != "" {
		return id.Subject, true
	}
	v, ok := id.Claims[name]
	if !ok || v == nil {
		return "", false
	}
	return claimString(v), true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
