package history

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

var kube = kubetest.NewShared()

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

var _ autoscaler.SnapshotStore = (*Store)(nil)

// profile is a snapshot-sized document: large but compressible, like the
// real one.
func profile(v string) []byte {
	return []byte(`{"version":1,"state":{"daily":[` + strings.Repeat(v+",", 200000) + `0]}}`)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	s := New(cl.Client, ns, "shoal-autoscaler")
	if _, ok, err := s.Load("api"); err != nil || ok {
		t.Fatalf("Load before Save: ok %v err %v, want nothing", ok, err)
	}
	docs := map[string][]byte{"api": profile("12.5"), "web": []byte(`{"version":1,"web":true}`)}
	for svc, doc := range docs {
		if err := s.Save(svc, doc); err != nil {
			t.Fatal(err)
		}
	}
	// A second save replaces only its own key.
	docs["api"] = []byte(`{"version":1,"second":true}`)
	if err := s.Save("api", docs["api"]); err != nil {
		t.Fatal(err)
	}
	for svc, doc := range docs {
		got, ok, err := s.Load(svc)
		if err != nil || !ok || !bytes.Equal(got, doc) {
			t.Fatalf("Load(%s): ok %v err %v, %d bytes, want %d", svc, ok, err, len(got), len(doc))
		}
	}
	cm, err := cl.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "shoal-autoscaler-history", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[LabelLease] != "shoal-autoscaler" || cm.Labels[LabelManagedBy] != "shoal" || len(cm.BinaryData) != 2 {
		t.Fatalf("labels %v, keys %d", cm.Labels, len(cm.BinaryData))
	}
	// Another gateway deployment (another Lease) has its own history.
	if _, ok, _ := New(cl.Client, ns, "other-gateways").Load("api"); ok {
		t.Fatal("another lease's store sees this one's history")
	}
}

// Two writers at once (an old leader's last save, a new leader's first)
// both land: a conflict is retried on the fresh object.
func TestConcurrentSavesKeepEveryKey(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	a, b := New(cl.Client, ns, "gw"), New(cl.Client, ns, "gw")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() { errs <- st.Save(fmt.Sprintf("svc-%d", i), []byte(fmt.Sprintf(`{"n":%d}`, i))) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 8 {
		got, ok, err := a.Load(fmt.Sprintf("svc-%d", i))
		if err != nil || !ok || string(got) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("svc-%d: %q ok %v err %v", i, got, ok, err)
		}
	}
}

// A save that would overflow the object limit is refused with a message
// that says what to do, and leaves the saved services alone.
func TestFullConfigMapSaysSo(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	s := New(cl.Client, ns, "gw")
	s.limit = 600
	if err := s.Save("a", []byte(`{"small":1}`)); err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 2000)
	for i := range noise {
		noise[i] = byte(i*7919 + i/3)
	}
	err := s.Save("b", noise)
	if err == nil || !strings.Contains(err.Error(), "history: state_dir") {
		t.Fatalf("overflowing save: %v", err)
	}
	if got, ok, _ := s.Load("a"); !ok || string(got) != `{"small":1}` {
		t.Fatalf("a after the refused save: %q %v", got, ok)
	}
}

func TestKeysAreValid(t *testing.T) {
	cases := map[string]string{
		"api":                    "api.json.gz",
		"web.v2":                 "web.v2.json.gz",
		"Shop_A":                 "Shop_A.json.gz",
		"a/b":                    "",
		"..":                     "",
		strings.Repeat("x", 300): "",
	}
	seen := map[string]string{}
	for svc, want := range cases {
		got := Key(svc)
		if want != "" && got != want {
			t.Errorf("Key(%q) = %q, want %q", svc, got, want)
		}
		if !validKey(got) || len(got) > 253 {
			t.Errorf("Key(%q) = %q is not a ConfigMap key", svc, got)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("Key(%q) = Key(%q) = %q", svc, prev, got)
		}
		seen[got] = svc
	}
	if Key("a_b") == Key("a/b") {
		t.Error("a_b and a/b share a key")
	}
}
