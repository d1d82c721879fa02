package kube_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// gatewayAPIVersion is the Gateway API release whose standard CRDs the
// tests install, read from the module cache (the module is not a
// dependency of Shoal: only its CRD files are used).
const gatewayAPIVersion = "v1.6.3"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crdOnce installs the CRDs once per shared control plane.
var crdOnce sync.Once

// installGatewayAPI installs the Gateway API standard CRDs that Shoal
// reads and waits until the API server serves them.
func installGatewayAPI(t *testing.T, c *kubetest.Cluster) {
	t.Helper()
	var err error
	crdOnce.Do(func() { err = installCRDs(t, c) })
	if err != nil {
		t.Fatal(err)
	}
}

func installCRDs(t *testing.T, c *kubetest.Cluster) error {
	cmd := exec.Command("go", "mod", "download", "-json", "sigs.k8s.io/gateway-api@"+gatewayAPIVersion)
	cmd.Dir = t.TempDir() // outside the repository: go.mod stays as it is
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		return &setupError{"go mod download sigs.k8s.io/gateway-api@" + gatewayAPIVersion, err}
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return &setupError{"go mod download gave no directory: " + string(out) + mod.Error, err}
	}
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var names []string
	for _, kind := range []string{"gatewayclasses", "gateways", "httproutes", "referencegrants"} {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "config/crd/standard/gateway.networking.k8s.io_"+kind+".yaml"))
		if err != nil {
			return err
		}
		js, err := yaml.YAMLToJSON(data)
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return err
		}
		if _, err := dyn.Resource(crdGVR).Create(ctx, u, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return &setupError{"creating CRD " + u.GetName(), err}
		}
		names = append(names, u.GetName())
	}
	for _, name := range names {
		for {
			u, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err == nil && established(u) {
				break
			}
			select {
			case <-ctx.Done():
				return &setupError{"CRD " + name + " never became Established", ctx.Err()}
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

type setupError struct {
	what string
	err  error
}

func (e *setupError) Error() string {
	if e.err == nil {
		return e.what
	}
	return e.what + ": " + e.err.Error()
}
