package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// clientTLS loads the CA and client certificate files lazily and again
// whenever they change on disk. Loading at handshake time, not at
// construction, means a missing file fails the connections to that service
// (as connect errors with a clear cause) instead of the whole config.
type clientTLS struct {
	opts ClientTLS
	mu   sync.Mutex
	ca   *x509.CertPool
	caAt time.Time
	cert *tls.Certificate
	crAt time.Time
}

func newClientTLS(o ClientTLS) *clientTLS { return &clientTLS{opts: o} }

func (c *clientTLS) config() *tls.Config {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.opts.ServerName}
	if c.opts.CertFile != "" {
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return c.clientCert()
		}
	}
	switch {
	case c.opts.InsecureSkipVerify:
		conf.InsecureSkipVerify = true
	case c.opts.CAFile != "":
		// Verification against a pool that may be reloaded: Go's own check
		// is switched off and VerifyConnection does the same work with
		// the current pool.
		conf.InsecureSkipVerify = true
		conf.VerifyConnection = c.verify
	}
	return conf
}

func (c *clientTLS) verify(cs tls.ConnectionState) error {
	pool, err := c.caPool()
	if err != nil {
		return err
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("instance sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, ic := range cs.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	name := c.opts.ServerName
	if name == "" {
		name = cs.ServerName
	}
	_, err = cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: name, Roots: pool, Intermediates: inter})
	if err != nil {
		return fmt.Errorf("verifying instance certificate: %w", err)
	}
	return nil
}

func modTime(path string) (time.Time, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

func (c *clientTLS) caPool() (*x509.CertPool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, err := modTime(c.opts.CAFile)
	if err != nil {
		return nil, fmt.Errorf("upstream CA file: %w", err)
	}
	if c.ca != nil && at.Equal(c.caAt) {
		return c.ca, nil
	}
	pem, err := os.ReadFile(c.opts.CAFile)
	if err != nil {
		return nil, fmt.Errorf("upstream CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("upstream CA file %s: no PEM certificates", c.opts.CAFile)
	}
	c.ca, c.caAt = pool, at
	return pool, nil
}

func (c *clientTLS) clientCert() (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, err := modTime(c.opts.CertFile)
	if err != nil {
		return nil, fmt.Errorf("upstream client certificate: %w", err)
	}
	if kt, err := modTime(c.opts.KeyFile); err == nil && kt.After(at) {
		at = kt
	}
	if c.cert != nil && at.Equal(c.crAt) {
		return c.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(c.opts.CertFile, c.opts.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("upstream client certificate: %w", err)
	}
	c.cert, c.crAt = &cert, at
	return &cert, nil
}
