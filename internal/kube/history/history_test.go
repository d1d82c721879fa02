package history

import (
	"bytes"
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

var kube = kubetest.NewShared()

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

var _ autoscaler.SnapshotStore = (*Store)(nil)

func TestSaveLoadRoundTrip(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	s := New(cl.Client, ns, "shoal-autoscaler")
	if _, ok, err := s.Load("api"); err != nil || ok {
		t.Fatalf("Load before Save: ok %v err %v, want nothing", ok, err)
	}
	// A profile-sized document: large but compressible, like the real one.
	big := []byte(`{"version":1,"state":{"daily":[` + strings.Repeat("12.5,", 200000) + `0]}}`)
	for _, doc := range [][]byte{big, []byte(`{"version":1,"second":true}`)} {
		if err := s.Save("api", doc); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.Load("api")
		if err != nil || !ok || !bytes.Equal(got, doc) {
			t.Fatalf("Load after Save: ok %v err %v, %d bytes, want %d", ok, err, len(got), len(doc))
		}
	}
	cm, err := cl.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "shoal-autoscaler-history-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[LabelLease] != "shoal-autoscaler" || cm.Labels[LabelService] != "api" || cm.Labels[LabelManagedBy] != "shoal" {
		t.Fatalf("labels %v", cm.Labels)
	}
	// A second gateway deployment (another Lease) has its own history.
	other := New(cl.Client, ns, "other-gateways")
	if _, ok, _ := other.Load("api"); ok {
		t.Fatal("another lease's store sees this one's history")
	}
}

func TestNamesAreValidObjectNames(t *testing.T) {
	s := New(nil, "ns", "shoal-autoscaler")
	cases := map[string]string{
		"api":                    "shoal-autoscaler-history-api",
		"web.v2":                 "shoal-autoscaler-history-web.v2",
		"Shop_API":               "",
		"a/b":                    "",
		"-lead":                  "",
		strings.Repeat("x", 300): "",
	}
	seen := map[string]string{}
	for svc, want := range cases {
		got := s.Name(svc)
		if want != "" && got != want {
			t.Errorf("Name(%q) = %q, want %q", svc, got, want)
		}
		if !valid(got) {
			t.Errorf("Name(%q) = %q is not a valid object name", svc, got)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("Name(%q) = Name(%q) = %q", svc, prev, got)
		}
		seen[got] = svc
	}
	// Names that clean up alike still differ by their hash.
	if s.Name("a_b") == s.Name("a/b") {
		t.Error("a_b and a/b share a ConfigMap")
	}
}
