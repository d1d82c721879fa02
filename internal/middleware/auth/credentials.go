package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"golang.org/x/crypto/bcrypt"
)

// APIKeys accepts requests carrying one of a set of keys. Only SHA-256
// digests are kept, so the configuration never holds a usable key.
type APIKeys struct {
	Header string            // where the key is sent, e.g. X-Api-Key
	ByHash map[string]string // hex SHA-256 of the key → the key's name (the subject)
}

// HashKey returns the digest to put in the configuration for a key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// check returns the caller, nil when the header is absent, or ok=false for
// a key that is present but wrong.
func (k *APIKeys) check(r *http.Request) (*Identity, bool) {
	v := r.Header.Get(k.Header)
	if v == "" {
		return nil, true
	}
	// The map lookup is on a digest, so its timing says nothing about
	// the secret itself.
	if name, ok := k.ByHash[HashKey(v)]; ok {
		return &Identity{Method: "api_key", Subject: name, Claims: map[string]any{"sub": name}}, true
	}
	return nil, false
}

// BasicUsers accepts HTTP basic credentials checked against bcrypt hashes.
type BasicUsers struct {
	Realm string
	Users map[string][]byte // user → bcrypt hash
	// dummy is checked for unknown users, so that response times do not
	// reveal which users exist.
	dummy []byte
}

// NewBasicUsers returns the checker; users maps names to bcrypt hashes.
func NewBasicUsers(realm string, users map[string][]byte) (*BasicUsers, error) {
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("basic auth: %w", err)
	}
	for u, h := range users {
		if _, err := bcrypt.Cost(h); err != nil {
			return nil, fmt.Errorf("basic auth: user %q: not a bcrypt hash: %w", u, err)
		}
	}
	return &BasicUsers{Realm: realm, Users: users, dummy: dummy}, nil
}

func (b *BasicUsers) check(r *http.Request) (*Identity, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, true
	}
	hash, known := b.Users[user]
	if !known {
		hash = b.dummy
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(pass))
	if !known || err != nil {
		return nil, false
	}
	return &Identity{Method: "basic", Subject: user, Claims: map[string]any{"sub": user}}, true
}
