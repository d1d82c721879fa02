package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// CertFiles names one PEM certificate chain and its key.
type CertFiles struct {
	Cert, Key string
}

// certSet is one loaded generation of the listener certificates, indexed by
// the names they cover so the SNI lookup is a map access.
type certSet struct {
	first  *tls.Certificate
	exact  map[string]*tls.Certificate
	wild   map[string]*tls.Certificate // "example.com" for *.example.com
	stamps []fileStamp
}

type fileStamp struct {
	path  string
	mod   time.Time
	size  int64
	valid bool
}

// certStore serves certificates by SNI from a set that a watcher swaps
// atomically when the files change, so renewals need no restart and a
// handshake never sees a half-loaded set.
type certStore struct {
	files []CertFiles
	every time.Duration
	cur   atomic.Pointer[certSet]
	log   *slog.Logger
}

func newCertStore(files []CertFiles, every time.Duration, log *slog.Logger) (*certStore, error) {
	if len(files) == 0 {
		return nil, errors.New("no certificate files")
	}
	s := &certStore{files: files, every: every, log: log}
	set, err := loadCertSet(files)
	if err != nil {
		return nil, err
	}
	s.cur.Store(set)
	return s, nil
}

func loadCertSet(files []CertFiles) (*certSet, error) {
	set := &certSet{exact: map[string]*tls.Certificate{}, wild: map[string]*tls.Certificate{}}
	for _, f := range files {
		set.stamps = append(set.stamps, stampOf(f.Cert), stampOf(f.Key))
		c, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("loading certificate %s: %w", f.Cert, err)
		}
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("parsing certificate %s: %w", f.Cert, err)
		}
		c.Leaf = leaf
		if set.first == nil {
			set.first = &c
		}
		names := leaf.DNSNames
		if len(names) == 0 && leaf.Subject.CommonName != "" {
			names = []string{leaf.Subject.CommonName}
		}
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		for _, n := range names {
			n = strings.ToLower(n)
			if rest, ok := strings.CutPrefix(n, "*."); ok {
				if _, dup := set.wild[rest]; !dup {
					set.wild[rest] = &c
				}
				continue
			}
			// The first certificate listed for a name wins, as the config
			// order is the user's stated preference.
			if _, dup := set.exact[n]; !dup {
				set.exact[n] = &c
			}
		}
	}
	return set, nil
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{path: path}
	}
	return fileStamp{path: path, mod: fi.ModTime(), size: fi.Size(), valid: true}
}

// getCertificate implements tls.Config.GetCertificate: an exact name, then
// a wildcard one label up, then the first certificate.
func (s *certStore) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	set := s.cur.Load()
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name == "" {
		// Clients that connect by IP send no SNI; match the local address.
		if hello.Conn != nil {
			if host, _, err := net.SplitHostPort(hello.Conn.LocalAddr().String()); err == nil {
				name = host
			}
		}
	}
	if c := set.exact[name]; c != nil {
		return c, nil
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		if c := set.wild[parent]; c != nil {
			return c, nil
		}
	}
	return set.first, nil
}

// watch polls the files' size and modification time. Polling, not inotify:
// certificate managers replace files by rename or symlink swap, which a
// watch on the old inode misses, and a check every few seconds is free.
// A set that fails to load (a key written before its certificate) keeps
// the old one serving and is retried on the next change.
func (s *certStore) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.changed() {
			continue
		}
		set, err := loadCertSet(s.files)
		if err != nil {
			s.log.Warn("TLS certificates changed but do not load; keeping the previous ones", "err", err)
			// Remember the new stamps so the same broken state is not
			// retried (and logged) every tick.
			old := *s.cur.Load()
			old.stamps = currentStamps(s.files)
			s.cur.Store(&old)
			continue
		}
		s.cur.Store(set)
		s.log.Info("TLS certificates reloaded", "files", len(s.files))
	}
}

func currentStamps(files []CertFiles) []fileStamp {
	out := make([]fileStamp, 0, 2*len(files))
	for _, f := range files {
		out = append(out, stampOf(f.Cert), stampOf(f.Key))
	}
	return out
}

func (s *certStore) changed() bool {
	old := s.cur.Load().stamps
	now := currentStamps(s.files)
	if len(old) != len(now) {
		return true
	}
	for i := range now {
		if now[i] != old[i] {
			return true
		}
	}
	return false
}
