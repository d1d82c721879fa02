package kube_test

import (
	"testing"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// kube is the real API server (and etcd) the tests of this package share,
// each in its own namespace.
var kube = kubetest.NewShared()

func TestMain(m *testing.M) { kubetest.Main(m, kube) }
