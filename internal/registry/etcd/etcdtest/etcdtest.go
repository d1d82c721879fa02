// Package etcdtest runs a real single-member etcd server inside a test
// process (go.etcd.io/etcd/server/v3/embed) on loopback, so tests of the
// etcd registry need nothing installed and never skip.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// freePort asks the kernel for a free loopback port. Another process could
// take it before etcd binds it, so Start retries.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs the server with a temporary data directory until the test
// ends, and returns its client URL.
func Start(t testing.TB) string {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		cfg := embed.NewConfig()
		cfg.Name = "shoal-test"
		cfg.Dir = t.TempDir()
		cfg.LogLevel = "error"
		cfg.LogOutputs = []string{"stderr"}
		client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
		peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			lastErr = err
			continue
		}
		select {
		case <-e.Server.ReadyNotify():
		case err := <-e.Err():
			e.Close()
			lastErr = err
			continue
		case <-time.After(20 * time.Second):
			e.Close()
			t.Fatal("embedded etcd did not become ready within 20s")
		}
		t.Cleanup(e.Close)
		return client.String()
	}
	t.Fatalf("starting embedded etcd (go.etcd.io/etcd/server/v3/embed) on loopback failed 3 times: %v", lastErr)
	return ""
}
