package kubetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes/scheme"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store writes obj (a built-in type such as an EndpointSlice) straight
// into etcd under the key the API server reads, /registry/RESOURCE/NS/NAME,
// bypassing API validation. Clients then see it through the API server,
// its watch included, like any other write.
//
// It exists for one thing a loopback control plane cannot otherwise do:
// the API server refuses endpoint addresses in 127.0.0.0/8, and test
// servers listen only there. So tests that route to real local processes
// store EndpointSlices that list 127.0.0.1. Use the API for everything
// the API accepts.
func (c *Cluster) Store(t testing.TB, resource string, obj runtime.Object) {
	t.Helper()
	obj = obj.DeepCopyObject()
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil || len(gvks) == 0 {
		t.Fatalf("kubetest: Store: %T is not a built-in Kubernetes type: %v", obj, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	meta, ok := obj.(metav1.Object)
	if !ok {
		t.Fatalf("kubetest: Store: %T has no object metadata", obj)
	}
	if meta.GetNamespace() == "" || meta.GetName() == "" {
		t.Fatalf("kubetest: Store: %s needs a namespace and a name", resource)
	}
	if meta.GetUID() == "" {
		meta.SetUID(types.UID(uuid.NewUUID()))
	}
	if ts := meta.GetCreationTimestamp(); ts.IsZero() {
		meta.SetCreationTimestamp(metav1.Now())
	}
	// The API server takes the resource version from etcd's revision.
	meta.SetResourceVersion("")
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("kubetest: Store: encoding: %v", err)
	}
	c.etcdDo(t, func(ctx context.Context, cl *clientv3.Client) error {
		_, err := cl.Put(ctx, storeKey(resource, meta.GetNamespace(), meta.GetName()), string(data))
		return err
	})
}

// Unstore deletes what Store wrote (or any object) straight from etcd.
func (c *Cluster) Unstore(t testing.TB, resource, namespace, name string) {
	t.Helper()
	c.etcdDo(t, func(ctx context.Context, cl *clientv3.Client) error {
		_, err := cl.Delete(ctx, storeKey(resource, namespace, name))
		return err
	})
}

func storeKey(resource, namespace, name string) string {
	return fmt.Sprintf("/registry/%s/%s/%s", resource, namespace, name)
}

// etcdDo runs f with a short-lived client of the cluster's etcd.
func (c *Cluster) etcdDo(t testing.TB, f func(context.Context, *clientv3.Client) error) {
	t.Helper()
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("kubetest: etcd client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f(ctx, cl); err != nil {
		t.Fatalf("kubetest: etcd: %v", err)
	}
}
