package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry/etcd/etcdtest"
)

// Two gateways configured with the etcd registry see each other's
// registrations: an instance registered through one gateway's admin API
// serves requests through the other, and leaves both when its lease ends.
func TestTwoGatewaysShareTheEtcdRegistry(t *testing.T) {
	etcdURL := etcdtest.Start(t)
	o := origin(t, "registered-once", 0)
	start := func(name string) *App {
		dir := t.TempDir()
		path := filepath.Join(dir, "shoal.yaml")
		cfg := fmt.Sprintf("listen: [127.0.0.1:0]\nadmin: 127.0.0.2:0\nstate_dir: %s\nregistry: {backend: etcd, endpoints: [%s], prefix: /shoal-test}\nservices:\n  api: {}\nroutes:\n  - {service: api}\n",
			filepath.Join(dir, "state"), etcdURL)
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := New(Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
		if err != nil {
			t.Fatalf("gateway %s: %v", name, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := a.Start(ctx); err != nil {
			t.Fatalf("gateway %s: %v", name, err)
		}
		t.Cleanup(func() { cancel(); _ = a.Shutdown(context.Background()) })
		return a
	}
	g1, g2 := start("one"), start("two")

	body := fmt.Sprintf(`{"address": %q, "ttl": "2s"}`, strings.TrimPrefix(o.URL, "http://"))
	resp, err := http.Post("http://"+g1.AdminAddr()+"/api/services/api/instances", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("register through gateway one: %d", resp.StatusCode)
	}
	waitFor(t, func() bool {
		code, b := get(t, "http://"+g2.PublicAddrs()[0]+"/")
		return code == 200 && b == "registered-once"
	})
	// No heartbeat: the lease expires and the instance leaves both gateways.
	deadline := time.Now().Add(15 * time.Second)
	for _, g := range []*App{g1, g2} {
		for {
			code, _ := get(t, "http://"+g.PublicAddrs()[0]+"/")
			if code == 503 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("expired instance still served (status %d)", code)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
