package kube_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/shoal-gw/shoal/internal/app"
	"github.com/shoal-gw/shoal/internal/kube/gatewayapi"
	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// backend is a real local server answering with its name, published as a
// Kubernetes Service (port "http" 80) with one ready EndpointSlice endpoint.
func backend(t *testing.T, c *kubetest.Cluster, ns, name string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	_, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	ctx := context.Background()
	_, err := c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(int32(port))}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The API server refuses loopback endpoint addresses and test servers
	// listen on 127.0.0.1 only, so the slice goes straight into etcd; the
	// gateway reads it through the API server like any other.
	ready := true
	pname, pport, proto := "http", int32(port), corev1.ProtocolTCP
	c.Store(t, "endpointslices", &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name + "-1", Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"127.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &pname, Port: &pport, Protocol: &proto}},
	})
}

func object(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	return u
}

func httpRoute(name, gateway, rules string) string {
	return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name + "}\nspec:\n  parentRefs: [{name: " + gateway + "}]\n  rules:\n" + rules
}

// get returns the body of GET url, or "" and the error text.
func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strconv.Itoa(resp.StatusCode) + " " + string(b)
}

// eventually polls f until it returns "" (no complaint) or the time is up.
func eventually(t *testing.T, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// condition reads one of Shoal's conditions on a route's status.
func condition(t *testing.T, dyn dynamic.Interface, ns, name, typ string) (status, reason, msg string) {
	t.Helper()
	u, err := dyn.Resource(gatewayapi.HTTPRoutes).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return "", "", err.Error()
	}
	parents, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	for _, p := range parents {
		pm := p.(map[string]any)
		if pm["controllerName"] != gatewayapi.ControllerName {
			continue
		}
		conds, _, _ := unstructured.NestedSlice(pm, "conditions")
		for _, c := range conds {
			cm := c.(map[string]any)
			if cm["type"] == typ {
				return cm["status"].(string), cm["reason"].(string), cm["message"].(string)
			}
		}
	}
	return "", "", "no " + typ + " condition from Shoal yet"
}

// TestGatewayAPIRoutes runs a gateway against a real API server with the
// Gateway API CRDs: an HTTPRoute reaches a real local server through
// EndpointSlice discovery, a change moves it, a split spreads traffic over
// two backends, queryParams matches select a backend, a broken route is refused on its status while the others
// keep serving, and a deleted route is gone.
func TestGatewayAPIRoutes(t *testing.T) {
	c := kube.Cluster(t)
	installGatewayAPI(t, c)
	ns := c.Namespace(t)
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gw := object(t, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: shoal}\nspec:\n  gatewayClassName: shoal\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n")
	if _, err := dyn.Resource(gatewayapi.Gateways).Namespace(ns).Create(ctx, gw, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	backend(t, c, ns, "web")
	backend(t, c, ns, "api")
	file := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "file") }))
	t.Cleanup(file.Close)

	dir := t.TempDir()
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.1:0
state_dir: %s
kubernetes:
  kubeconfig: %s
  namespace: %s
  history: state_dir
  gateway_api: {gateway: shoal}
services:
  fallback:
    endpoints: [%s]
routes:
  - match: {path_prefix: /}
    service: fallback
`, filepath.Join(dir, "state"), c.Kubeconfig, ns, file.URL)
	path := filepath.Join(dir, "shoal.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if err := a.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	base := "http://" + a.PublicAddrs()[0]
	expect := func(path, want string) func() string {
		return func() string {
			if got := get(base + path); !strings.HasPrefix(got, want) {
				return fmt.Sprintf("GET %s = %q, want %q", path, got, want)
			}
			return ""
		}
	}
	expect("/shop/a", "200 file")()

	routes := dyn.Resource(gatewayapi.HTTPRoutes).Namespace(ns)
	shop := object(t, httpRoute("shop", "shoal", "    - matches: [{path: {type: PathPrefix, value: /shop}}]\n      backendRefs: [{name: web, port: 80}]\n"))
	if _, err := routes.Create(ctx, shop, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new HTTPRoute", expect("/shop/a", "200 web /shop/a"))
	eventually(t, "status of a good route", func() string {
		a, _, msg := condition(t, dyn, ns, "shop", "Accepted")
		r, _, _ := condition(t, dyn, ns, "shop", "ResolvedRefs")
		if a != "True" || r != "True" {
			return fmt.Sprintf("Accepted %q ResolvedRefs %q (%s)", a, r, msg)
		}
		return ""
	})

	// Writing the status is an event too: it must settle, not loop.
	rv := func() string {
		u, err := routes.Get(ctx, "shop", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u.GetResourceVersion()
	}
	before := rv()
	time.Sleep(time.Second)
	if after := rv(); after != before {
		t.Fatalf("the route's resourceVersion moved from %s to %s with nothing changing: the status writes loop", before, after)
	}

	// Change: the prefix moves and is rewritten on the way.
	cur, err := routes.Get(ctx, "shop", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := object(t, httpRoute("shop", "shoal", `    - matches: [{path: {type: PathPrefix, value: /store}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]
      backendRefs: [{name: web, port: 80}]
`))
	changed.SetResourceVersion(cur.GetResourceVersion())
	if _, err := routes.Update(ctx, changed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "changed HTTPRoute", expect("/store/a", "200 web /v2/a"))
	eventually(t, "old path after the change", expect("/shop/a", "200 file"))

	// A reload of the file keeps the HTTPRoute's routes and adds its own.
	reloaded := strings.Replace(cfg, "routes:\n", "routes:\n  - match: {path_exact: /filed}\n    direct_response: {status: 200, body: filed}\n", 1)
	if err := os.WriteFile(path+".tmp", []byte(reloaded), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	eventually(t, "file reload", expect("/filed", "200 filed"))
	expect("/store/a", "200 web /v2/a")()

	// A weighted split over two Services reaches both.
	split := object(t, httpRoute("split", "shoal", "    - matches: [{path: {type: Exact, value: /both}}]\n      backendRefs: [{name: web, port: 80, weight: 1}, {name: api, port: 80, weight: 1}]\n"))
	if _, err := routes.Create(ctx, split, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "weighted split", func() string {
		seen := map[string]bool{}
		for range 20 {
			got := get(base + "/both")
			seen[strings.Fields(got + " x x")[1]] = true
		}
		if !seen["web"] || !seen["api"] {
			return fmt.Sprintf("20 requests reached %v, want web and api", seen)
		}
		return ""
	})

	// queryParams: the CRD's schema takes them, the route is accepted, and
	// only a request with the parameter takes it.
	query := object(t, httpRoute("query", "shoal", "    - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: v, value: \"2\"}, {type: RegularExpression, name: id, value: \"[0-9]+\"}]}]\n      backendRefs: [{name: api, port: 80}]\n"))
	if _, err := routes.Create(ctx, query, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "queryParams route", expect("/q/a?id=7&v=2", "200 api /q/a"))
	expect("/q/a?v=2&id=x", "200 file")()
	expect("/q/a", "200 file")()
	// The status is written after the route is applied: wait for it.
	eventually(t, "queryParams route accepted", func() string {
		if st, reason, msg := condition(t, dyn, ns, "query", "Accepted"); st != "True" {
			return fmt.Sprintf("Accepted %q %q %q, want True", st, reason, msg)
		}
		return ""
	})

	// A route Shoal's validation refuses: Accepted False with the reason,
	// and the routes already served stay.
	broken := object(t, httpRoute("broken", "shoal", "    - matches: [{path: {type: RegularExpression, value: \"/a((\"}}]\n      backendRefs: [{name: web, port: 80}]\n"))
	if _, err := routes.Create(ctx, broken, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "status of a broken route", func() string {
		st, reason, msg := condition(t, dyn, ns, "broken", "Accepted")
		if st != "False" || reason != "UnsupportedValue" || !strings.Contains(msg, "path_regex") {
			return fmt.Sprintf("Accepted %q %q %q, want False UnsupportedValue naming path_regex", st, reason, msg)
		}
		return ""
	})
	expect("/store/a", "200 web /v2/a")()

	// Delete: the path falls back to the file's catch-all.
	if err := routes.Delete(ctx, "shop", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted HTTPRoute", expect("/store/a", "200 file"))
}
