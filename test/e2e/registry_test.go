package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestSelfRegistrationSurvivesKill9(t *testing.T) {
	one := named(t, "registered", 0)
	g := runGateway(t, "services:\n  api: {}\n  bulk: {}\nroutes:\n  - {service: api}\n")
	api := "http://" + g.admin + "/api/services/"

	if resp, _ := get(t, "http://"+g.listen+"/"); resp.StatusCode != 503 {
		t.Fatalf("no instance yet: %d", resp.StatusCode)
	}
	code, body := call(t, "POST", api+"api/instances", fmt.Sprintf(`{"address": %q, "ttl": "30s", "metadata": {"zone": "a"}}`, strings.TrimPrefix(one.URL, "http://")))
	var reg struct{ ID string }
	if err := json.Unmarshal([]byte(body), &reg); code != 201 || err != nil || reg.ID == "" {
		t.Fatalf("register: %d %s", code, body)
	}
	eventually(t, 3*time.Second, "registered instance serves", func() bool {
		_, b := get(t, "http://"+g.listen+"/")
		return b == "registered"
	})
	if code, _ := call(t, "PUT", api+"api/instances/"+reg.ID+"/heartbeat", ""); code != 200 {
		t.Errorf("heartbeat: %d", code)
	}
	if code, body := call(t, "PUT", api+"api/instances/nope/heartbeat", ""); code != 404 {
		t.Errorf("heartbeat of an unknown instance: %d %s", code, body)
	}
	if code, body := call(t, "POST", api+"api/instances", `{"address": "not an address", "ttl": "30s"}`); code != 400 || !strings.Contains(body, "address") {
		t.Errorf("invalid address: %d %s", code, body)
	}
	if code, body := call(t, "POST", api+"api/instances", `{"address": "127.0.0.1:9", "ttl": "soon"}`); code != 400 || !strings.Contains(body, "ttl") {
		t.Errorf("invalid ttl: %d %s", code, body)
	}

	// 100 registrations, then kill -9: none may be lost, TTLs keep running.
	for i := 0; i < 100; i++ {
		code, body := call(t, "POST", api+"bulk/instances", fmt.Sprintf(`{"address": "127.0.0.1:%d", "ttl": "60s"}`, 20000+i))
		if code != 201 {
			t.Fatalf("register %d: %d %s", i, code, body)
		}
	}
	registeredAt := time.Now()
	if err := g.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = waitExit(t, g.Proc, 5*time.Second)
	time.Sleep(500 * time.Millisecond)

	// Same config file and state directory; the ports are new ones, as
	// the old ones may have been taken meanwhile.
	g.start(t)
	api = "http://" + g.admin + "/api/services/"
	_, body = get(t, api+"bulk/instances")
	var list []struct {
		Address   string
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("list: %v %s", err, body)
	}
	if len(list) != 100 {
		t.Fatalf("after kill -9 and restart: %d of 100 registrations", len(list))
	}
	for _, in := range list {
		left := time.Until(in.ExpiresAt)
		if left <= 0 || left > 60*time.Second || in.ExpiresAt.After(registeredAt.Add(61*time.Second)) {
			t.Fatalf("%s: TTL deadline %v not kept (registered at %v)", in.Address, in.ExpiresAt, registeredAt)
		}
	}
	// The first registration also came back and serves again.
	eventually(t, 3*time.Second, "registered instance serves after restart", func() bool {
		_, b := get(t, "http://"+g.listen+"/")
		return b == "registered"
	})
	if code, _ := call(t, "DELETE", api+"api/instances/"+reg.ID, ""); code != 204 {
		t.Errorf("deregister: %d", code)
	}
	eventually(t, 3*time.Second, "deregistered instance leaves the pool", func() bool {
		resp, _ := get(t, "http://"+g.listen+"/")
		return resp.StatusCode == 503
	})
}
