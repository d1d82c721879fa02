package etcd

import (
	"testing"

	"github.com/shoal-gw/shoal/internal/registry/etcd/etcdtest"
)

// startEtcd runs a real etcd server in the test process (see etcdtest).
func startEtcd(t *testing.T) string { return etcdtest.Start(t) }
