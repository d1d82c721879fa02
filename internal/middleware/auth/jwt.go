package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTOptions configure token validation.
type JWTOptions struct {
	// JWKS supplies the public keys (RS256, ES256, EdDSA ...).
	JWKS *JWKS
	// HMACSecret enables HS256 with this shared secret.
	HMACSecret []byte
	// Algorithms accepted; empty means RS256, ES256 and EdDSA (and HS256
	// when a secret is set). "none" is never accepted.
	Algorithms []string
	Issuer     string
	// Audience: the token must name at least one of these.
	Audience []string
	// ClockSkew tolerated on exp, nbf and iat.
	ClockSkew time.Duration
	Now       func() time.Time
}

// Verifier checks bearer tokens.
type Verifier struct {
	o      JWTOptions
	parser *jwt.Parser
}

// NewVerifier returns a verifier, or an error for an unusable setup.
func NewVerifier(o JWTOptions) (*Verifier, error) {
	if o.JWKS == nil && len(o.HMACSecret) == 0 {
		return nil, errors.New("jwt: needs a jwks_url or an HS256 secret")
	}
	if len(o.Algorithms) == 0 {
		if o.JWKS != nil {
			o.Algorithms = []string{"RS256", "ES256", "EdDSA"}
		}
		if len(o.HMACSecret) > 0 {
			o.Algorithms = append(o.Algorithms, "HS256")
		}
	}
	for _, a := range o.Algorithms {
		if jwt.GetSigningMethod(a) == nil || a == "none" {
			return nil, fmt.Errorf("jwt: unknown algorithm %q", a)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(o.Algorithms), jwt.WithLeeway(o.ClockSkew),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(o.Now), jwt.WithIssuedAt()}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	return &Verifier{o: o, parser: jwt.NewParser(opts...)}, nil
}

// Verify validates a compact JWS and returns its caller. The error text is
// safe to show the client: it says what is wrong, never key material.
func (v *Verifier) Verify(ctx context.Context, token string) (*Identity, error) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if _, hmac := t.Method.(*jwt.SigningMethodHMAC); hmac {
			if len(v.o.HMACSecret) == 0 {
				return nil, errors.New("HMAC tokens are not accepted")
			}
			return v.o.HMACSecret, nil
		}
		if v.o.JWKS == nil {
			return nil, errors.New("no public keys configured")
		}
		kid, _ := t.Header["kid"].(string)
		return v.o.JWKS.Key(ctx, kid)
	})
	if err != nil {
		return nil, describe(err)
	}
	if len(v.o.Audience) > 0 && !audienceOK(claims, v.o.Audience) {
		return nil, errors.New("the token is not for this audience")
	}
	sub, _ := claims["sub"].(string)
	return &Identity{Method: "jwt", Subject: sub, Claims: claims}, nil
}

func audienceOK(c jwt.MapClaims, want []string) bool {
	aud, err := c.GetAudience()
	if err != nil {
		return false
	}
	for _, a := range aud {
		for _, w := range want {
			if a == w {
				return true
			}
		}
	}
	return false
}

// describe turns a parser error into a short client-facing description.
func describe(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return errors.New("the token is malformed")
	case errors.Is(err, jwt.ErrTokenExpired):
		return errors.New("the token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return errors.New("the token is not valid yet")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errors.New("the token signature is invalid")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return errors.New("the token issuer is not accepted")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return errors.New("the token lacks a required claim (exp)")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return errors.New("the token cannot be verified (unknown key or algorithm)")
	}
	return errors.New("the token is invalid")
}
