package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// JWKS fetches and caches the public keys of a JSON Web Key Set URL. Keys
// are refreshed every TTL, and at once (at most every MinRefresh) when a
// token names a kid the set does not have, which is how key rotation
// reaches the gateway before the TTL ends. It outlives reloads.
type JWKS struct {
	url        string
	client     *http.Client
	ttl        time.Duration
	minRefresh time.Duration

	mu         sync.Mutex
	keys       map[string]crypto.PublicKey
	fetched    time.Time
	tried      time.Time
	refreshing bool // a background refresh is running
}

// NewJWKS returns a key set read from url. client may be nil.
func NewJWKS(url string, client *http.Client, ttl, minRefresh time.Duration) *JWKS {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	if minRefresh <= 0 {
		minRefresh = 5 * time.Second
	}
	return &JWKS{url: url, client: client, ttl: ttl, minRefresh: minRefresh}
}

// Key returns the key with this kid ("" matches a set with one key).
func (s *JWKS) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if k, ok := s.lookup(kid); ok {
		// A known key answers at once; an old set is refreshed in the
		// background so no request waits for the identity provider.
		if now.Sub(s.fetched) >= s.ttl && !s.refreshing && now.Sub(s.tried) >= s.minRefresh {
			s.refreshing, s.tried = true, now
			go s.refresh()
		}
		return k, nil
	}
	// Unknown kid or expired set: fetch, unless a fetch was just tried
	// (a flood of tokens with made-up kids must not become a flood of
	// requests to the identity provider).
	if now.Sub(s.tried) >= s.minRefresh {
		s.tried = now
		keys, err := s.fetch(ctx)
		if err == nil {
			s.keys, s.fetched = keys, now
		} else if s.keys == nil {
			return nil, err
		}
	}
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	return nil, fmt.Errorf("no key with kid %q in %s", kid, s.url)
}

// refresh reads the set again without holding up requests.
func (s *JWKS) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), s.client.Timeout+time.Second)
	defer cancel()
	keys, err := s.fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshing = false
	if err == nil {
		s.keys, s.fetched = keys, time.Now()
	}
}

func (s *JWKS) lookup(kid string) (crypto.PublicKey, bool) {
	if kid == "" && len(s.keys) == 1 {
		for _, k := range s.keys {
			return k, true
		}
	}
	k, ok := s.keys[kid]
	return k, ok
}

func (s *JWKS) fetch(ctx context.Context) (map[string]crypto.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks %s: %w", s.url, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching jwks %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching jwks %s: status %d", s.url, resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding jwks %s: %w", s.url, err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pk, err := k.public()
		if err != nil {
			continue // one odd key must not hide the others
		}
		keys[k.Kid] = pk
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("jwks %s: no usable signing keys", s.url)
	}
	return keys, nil
}

// jwk is one JSON Web Key (RFC 7517) of the kinds the gateway verifies.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func (k jwk) public() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err1 := b64(k.N)
		e, err2 := b64(k.E)
		if err := errors.Join(err1, err2); err != nil || len(e) > 4 {
			return nil, fmt.Errorf("bad RSA key %q", k.Kid)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		default:
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, err1 := b64(k.X)
		y, err2 := b64(k.Y)
		size := (curve.Params().BitSize + 7) / 8
		if err := errors.Join(err1, err2); err != nil || len(x) != size || len(y) != size {
			return nil, fmt.Errorf("bad EC key %q", k.Kid)
		}
		// The parser checks that the point is on the curve.
		pk, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("EC key %q: %w", k.Kid, err)
		}
		return pk, nil
	case "OKP":
		x, err := b64(k.X)
		if err != nil || k.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("bad OKP key %q", k.Kid)
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("unsupported key type %q", k.Kty)
}
