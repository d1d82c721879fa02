package registry

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Limits on what a registration may carry. They keep one bad client from
// filling the state directory or an etcd key with junk.
const (
	MinTTL         = time.Second
	MaxTTL         = 24 * time.Hour
	maxNameLen     = 128
	maxMetadata    = 64
	maxMetadataLen = 1024
)

// invalidf returns an error wrapping ErrInvalid with the reason.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ValidateName checks a service name or instance ID: letters, digits, '-',
// '_' and '.', as config service names; they become URL and etcd key parts.
func ValidateName(kind, s string) error {
	if s == "" {
		return invalidf("%s is empty", kind)
	}
	if len(s) > maxNameLen {
		return invalidf("%s is longer than %d characters", kind, maxNameLen)
	}
	if s == "." || s == ".." {
		return invalidf("%s %q is not allowed", kind, s)
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return invalidf("%s %q may use only letters, digits, '-', '_' and '.'", kind, s)
		}
	}
	return nil
}

// ValidateAddress checks a host:port address with a port in 1..65535.
func ValidateAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return invalidf("address %q must be host:port (%v)", addr, err)
	}
	if host == "" {
		return invalidf("address %q has no host", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return invalidf("address %q: port must be a number in 1..65535", addr)
	}
	return nil
}

// ValidateTTL accepts 0 (no expiry) or a TTL in MinTTL..MaxTTL.
func ValidateTTL(ttl time.Duration) error {
	if ttl == 0 {
		return nil
	}
	if ttl < MinTTL || ttl > MaxTTL {
		return invalidf("ttl %s must be 0 (no expiry) or between %s and %s", ttl, MinTTL, MaxTTL)
	}
	return nil
}

// Prepare validates a registration and fills in its ID when empty. Backends
// call it first so every backend rejects the same input the same way.
func Prepare(inst Instance) (Instance, error) {
	if err := ValidateName("service", inst.Service); err != nil {
		return inst, err
	}
	if err := ValidateAddress(inst.Address); err != nil {
		return inst, err
	}
	if err := ValidateTTL(inst.TTL); err != nil {
		return inst, err
	}
	if len(inst.Metadata) > maxMetadata {
		return inst, invalidf("metadata has %d keys, at most %d allowed", len(inst.Metadata), maxMetadata)
	}
	for k, v := range inst.Metadata {
		if k == "" || len(k)+len(v) > maxMetadataLen {
			return inst, invalidf("metadata key %q: keys must be non-empty and key+value at most %d bytes", k, maxMetadataLen)
		}
	}
	if inst.ID == "" {
		inst.ID = NewID()
	} else if err := ValidateName("id", inst.ID); err != nil {
		return inst, err
	}
	return inst.Clone(), nil
}

// NewID returns a random 16-hex-digit instance ID.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
