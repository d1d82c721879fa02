package kubetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// Cluster is a running control plane on 127.0.0.1: etcd, kube-apiserver
// and optionally kube-controller-manager, authenticated with one admin
// bearer token (group system:masters).
type Cluster struct {
	// Kubeconfig is the path of a kubeconfig file for the admin user, for
	// code under test that takes a file (kubernetes.kubeconfig).
	Kubeconfig string
	// Config reaches the API server as the admin user.
	Config *rest.Config
	// Client is a clientset over Config.
	Client kubernetes.Interface
	// Host is the API server's URL (https://127.0.0.1:PORT).
	Host string
	// EtcdURL is etcd's client URL (http://127.0.0.1:PORT); see Store.
	EtcdURL string
	// Dir holds the data, keys and the processes' logs; removed on stop.
	Dir string

	procs []*process                              // in start order; stopped in reverse
	pick  func(name string, n int) ([]int, error) // chooses a process's ports
}

// Start runs a control plane for one test and stops it when the test
// ends. Missing binaries fail the test with a message that names
// scripts/kube-bins.sh. Tests of one package usually share a control plane
// instead: see Shared.
func Start(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	c, err := start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	return c
}

// start brings the control plane up. A port chosen for a process that
// another process binds first is handled where it happens: see
// startListening.
func start(opts ...Option) (*Cluster, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	names := []string{"etcd", "kube-apiserver"}
	if o.controllerManager {
		names = append(names, "kube-controller-manager")
	}
	if o.kwok {
		names = append(names, "kwok")
	}
	bins, err := BinDir(names...)
	if err != nil {
		return nil, err
	}
	return startCluster(bins, &o)
}

func startCluster(bins string, o *options) (c *Cluster, err error) {
	dir, err := os.MkdirTemp("", "kubetest-")
	if err != nil {
		return nil, fmt.Errorf("kubetest: temporary directory: %w", err)
	}
	c = &Cluster{Dir: dir, pick: o.pickPorts}
	if c.pick == nil {
		c.pick = func(_ string, n int) ([]int, error) { return freeport.Ports(n) }
	}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	keys, err := writePKI(dir)
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	token, err := randomToken()
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	if c.EtcdURL, err = c.startEtcd(bins); err != nil {
		return nil, err
	}
	if err := c.startAPIServer(bins, o, keys, token, c.EtcdURL); err != nil {
		return nil, err
	}
	if o.controllerManager {
		if err := c.startControllerManager(bins, o, keys); err != nil {
			return nil, err
		}
	}
	if o.kwok {
		if err := c.startKwok(bins); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) startEtcd(bins string) (string, error) {
	dataDir := filepath.Join(c.Dir, "etcd")
	var clientURL string
	p, _, err := c.startListening("etcd", filepath.Join(bins, "etcd"), 2, 30*time.Second, func(ports []int) ([]string, error) {
		// A failed attempt may have written its peer URL into the data
		// directory; the next one starts from an empty directory.
		if err := os.RemoveAll(dataDir); err != nil {
			return nil, fmt.Errorf("kubetest: clearing the etcd data directory: %w", err)
		}
		clientURL = "http://127.0.0.1:" + strconv.Itoa(ports[0])
		peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
		return []string{
			"--name=kubetest",
			"--data-dir=" + dataDir,
			"--listen-client-urls=" + clientURL, "--advertise-client-urls=" + clientURL,
			"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=kubetest=" + peerURL,
			// Test data is thrown away: skipping fsync saves most of etcd's time.
			"--unsafe-no-fsync",
			"--log-level=warn",
		}, nil
	})
	if err != nil {
		return "", err
	}
	err = waitReady(p, 30*time.Second, func() bool {
		resp, err := http.Get(clientURL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return clientURL, err
}

func (c *Cluster) startAPIServer(bins string, o *options, keys *pki, token, etcdURL string) error {
	tokens := filepath.Join(c.Dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return fmt.Errorf("kubetest: writing token file: %w", err)
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--tls-cert-file=" + keys.servingCrt, "--tls-private-key-file=" + keys.servingKey,
		"--cert-dir=" + filepath.Join(c.Dir, "apiserver-certs"),
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + keys.saPub,
		"--service-account-signing-key-file=" + keys.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		// Pods need no service account to exist: kwok-run pods never
		// mount one, and a Deployment created right after its namespace
		// would otherwise wait for the service account controller.
		"--disable-admission-plugins=ServiceAccount",
		// The built-in "kubernetes" Service would point at 127.0.0.1,
		// which Endpoints validation refuses; nothing here needs it.
		"--endpoint-reconciler-type=none",
		// Saves CPU on a small machine; fairness between tenants does not matter.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}
	args = append(args, o.apiserverFlags...)
	p, ports, err := c.startListening("kube-apiserver", filepath.Join(bins, "kube-apiserver"), 1, 90*time.Second, func(ports []int) ([]string, error) {
		return append(slices.Clip(args), "--secure-port="+strconv.Itoa(ports[0])), nil
	})
	if err != nil {
		return err
	}
	c.Host = "https://127.0.0.1:" + strconv.Itoa(ports[0])
	c.Config = &rest.Config{
		Host:            c.Host,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: keys.caPEM},
		// The defaults (5/s, bursts of 10) make a test that creates a few
		// dozen objects wait on the client, not the server.
		QPS: 200, Burst: 400,
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(keys.caPEM)
	hc := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	defer hc.CloseIdleConnections()
	if err := waitReady(p, 90*time.Second, func() bool {
		req, _ := http.NewRequest(http.MethodGet, c.Host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}); err != nil {
		return err
	}
	if c.Client, err = kubernetes.NewForConfig(c.Config); err != nil {
		return fmt.Errorf("kubetest: clientset: %w", err)
	}
	if c.Kubeconfig, err = writeKubeconfig(filepath.Join(c.Dir, "kubeconfig"), c.Host, token, keys.caPEM); err != nil {
		return err
	}
	// /readyz can answer before the bootstrap controller made the default
	// namespace; tests that use it should not race it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, err := c.Client.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubetest: namespace default did not appear within 30s\n%s", p.tail(30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) startControllerManager(bins string, o *options, keys *pki) error {
	controllers := o.controllers
	if controllers == "" {
		controllers = defaultControllers
	}
	p, err := startProcess(c.Dir, "kube-controller-manager", filepath.Join(bins, "kube-controller-manager"),
		"--kubeconfig="+c.Kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=0", // no health endpoint to serve: tests watch for effects
		"--leader-elect=false",
		"--controllers="+controllers,
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+keys.saKey,
		"--root-ca-file="+filepath.Join(c.Dir, "ca.crt"),
		"--cluster-signing-duration=1h",
	)
	if err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	c.procs = append(c.procs, p)
	// The controller-manager has no readiness to poll without a serving
	// port; a bad flag makes it exit at once, which this catches.
	select {
	case <-p.done:
		return fmt.Errorf("kubetest: kube-controller-manager exited at start: %v\n%s", p.err, p.tail(30))
	case <-time.After(500 * time.Millisecond):
		return nil
	}
}

// waitReady polls ready until it answers true, the process exits or the
// timeout passes; the errors quote the process's log.
func waitReady(p *process, timeout time.Duration, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if ready() {
			return nil
		}
		if gone, err := p.exited(); gone {
			return fmt.Errorf("kubetest: %s exited at start: %v\n%s", p.name, err, p.tail(40))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kubetest: %s not ready within %s\n%s", p.name, timeout, p.tail(40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the processes, newest first, and removes the directory.
func (c *Cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop(5 * time.Second)
	}
	c.procs = nil
	if c.Dir != "" {
		_ = os.RemoveAll(c.Dir)
	}
}
