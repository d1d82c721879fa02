// Package kubetest runs a real Kubernetes control plane on 127.0.0.1 for
// tests: etcd, kube-apiserver and, on request, kube-controller-manager and
// kwok (fake node and pods), each a separate process built by scripts/kube-bins.sh (Kubernetes
// KubeVersion, cached under ${SHOAL_CACHE:-$HOME/.cache/shoal}/kube/).
// There is no fake clientset anywhere: tests talk to the same API server
// a cluster runs.
//
// One control plane per test binary, shared by the package's tests, each
// test in its own namespace:
//
//	var kube = kubetest.NewShared(kubetest.WithControllerManager())
//
//	func TestMain(m *testing.M) { kubetest.Main(m, kube) }
//
//	func TestDiscovery(t *testing.T) {
//		c := kube.Cluster(t)   // started by the first test that asks (~5 s)
//		ns := c.Namespace(t)   // fresh, deleted when the test ends
//		c.Client.DiscoveryV1().EndpointSlices(ns).Create(...)
//		// code under test takes c.Kubeconfig (a file) or c.Config
//	}
//
// Start(t) runs a private control plane for one test instead.
//
// The API server refuses endpoint addresses in 127.0.0.0/8; Cluster.Store
// writes such EndpointSlices straight into etcd, so a gateway under test
// can route to servers on 127.0.0.1 while reading slices through the API.
//
// The binaries take port numbers, not sockets: each port is chosen free and
// handed over, the harness waits until the process itself listens on it
// (never trusting whoever answers), and a process whose port another one
// took first is started again on new ports (internal/testutil/freeport).
//
// Missing binaries fail the test with a message naming scripts/kube-bins.sh;
// they never skip it. The processes are stopped by PID when the test (or,
// for Shared, the test binary) ends, and carry Pdeathsig so they die with a
// test binary that is killed or times out. Their logs are in Cluster.Dir
// while they run; start failures quote them.
package kubetest
