package kubetest

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// TestPortTakenBeforeBind hands etcd, kube-apiserver and kwok, on their
// first start, a port that a stranger already holds: an HTTP server
// answering 200 to everything, as etcd's /health would. Each must fail to
// bind, be started again on new ports, and the control plane must come up
// on its own servers only: the API server reads what is written straight
// into the etcd the harness reports, and kwok's node is Ready (Start
// waits for that).
func TestPortTakenBeforeBind(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private control plane; skipped with -short")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stranger := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	go func() { _ = stranger.Serve(l) }()
	t.Cleanup(func() { _ = stranger.Close() })
	taken := l.Addr().(*net.TCPAddr).Port

	var mu sync.Mutex
	picks := map[string][][]int{}
	pick := func(name string, n int) ([]int, error) {
		ports, err := freeport.Ports(n)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if len(picks[name]) == 0 {
			ports[0] = taken
		}
		picks[name] = append(picks[name], ports)
		return ports, nil
	}
	c := Start(t, WithKwok(), withPortPicker(pick))

	mu.Lock()
	for _, name := range []string{"etcd", "kube-apiserver", "kwok"} {
		if got := picks[name]; len(got) != 2 || got[0][0] != taken || got[1][0] == taken {
			t.Errorf("%s was given ports %v, want the occupied %d once and then new ones", name, got, taken)
		}
	}
	mu.Unlock()
	suffix := ":" + strconv.Itoa(taken)
	if strings.HasSuffix(c.Host, suffix) || strings.HasSuffix(c.EtcdURL, suffix) {
		t.Fatalf("the cluster kept the occupied port: host %s, etcd %s", c.Host, c.EtcdURL)
	}
	ns := c.Namespace(t)
	c.Store(t, "configmaps", &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "direct", Namespace: ns},
		Data:       map[string]string{"via": "etcd"},
	})
	got, err := c.Client.CoreV1().ConfigMaps(ns).Get(t.Context(), "direct", metav1.GetOptions{})
	if err != nil || got.Data["via"] != "etcd" {
		t.Fatalf("the API server does not read the harness's etcd: %v, %v", got, err)
	}
}
