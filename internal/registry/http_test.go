package registry_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/memory"
	"github.com/shoal-gw/shoal/internal/registry/static"
)

func newServer(t *testing.T, reg registry.Registry) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(registry.Handler(reg, nil))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestHTTPRegistrationLifecycle(t *testing.T) {
	reg, err := memory.Open(t.TempDir(), memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	srv := newServer(t, reg)
	base := srv.URL + "/api/services/web/instances"

	code, body := do(t, "POST", base, `{"address": "127.0.0.1:9003", "ttl": "30s", "metadata": {"version": "v2"}}`)
	if code != http.StatusCreated {
		t.Fatalf("POST = %d %s, want 201", code, body)
	}
	var created struct {
		ID        string    `json:"id"`
		TTL       string    `json:"ttl"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == "" || created.TTL != "30s" {
		t.Fatalf("POST body %s: want id and ttl (%v)", body, err)
	}
	if time.Until(created.ExpiresAt) < 25*time.Second {
		t.Errorf("expires_at %v is not ~30s ahead", created.ExpiresAt)
	}

	code, body = do(t, "GET", base, "")
	var list []registry.Instance
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 || list[0].Metadata["version"] != "v2" {
		t.Fatalf("GET = %d %s, want the one instance with its metadata", code, body)
	}
	if code, body = do(t, "PUT", base+"/"+created.ID+"/heartbeat", ""); code != 200 {
		t.Errorf("heartbeat = %d %s, want 200", code, body)
	}
	if code, body = do(t, "DELETE", base+"/"+created.ID, ""); code != http.StatusNoContent {
		t.Errorf("DELETE = %d %s, want 204", code, body)
	}
	if code, body = do(t, "GET", base, ""); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("GET after delete = %d %s, want []", code, body)
	}
}

func TestHTTPErrors(t *testing.T) {
	reg, err := memory.Open(t.TempDir(), memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	base := newServer(t, reg).URL + "/api/services/web/instances"
	for _, tc := range []struct {
		method, path, body string
		code               int
		reason             string
	}{
		{"POST", "", `{"address": "nonsense", "ttl": "30s"}`, 400, "host:port"},
		{"POST", "", `{"address": "127.0.0.1:99999"}`, 400, "port"},
		{"POST", "", `{"address": "127.0.0.1:9003", "ttl": "soon"}`, 400, "invalid ttl"},
		{"POST", "", `{"address": "127.0.0.1:9003", "ttl": "-5s"}`, 400, "ttl"},
		{"POST", "", `{"address": "127.0.0.1:9003", "tll": "5s"}`, 400, "unknown field"},
		{"POST", "", `not json`, 400, "invalid JSON"},
		{"PUT", "/nosuch/heartbeat", "", 404, "not found"},
		{"DELETE", "/nosuch", "", 404, "not found"},
	} {
		code, body := do(t, tc.method, base+tc.path, tc.body)
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		if code != tc.code || !strings.Contains(e.Error, tc.reason) {
			t.Errorf("%s %s %s = %d %s; want %d with %q in error", tc.method, tc.path, tc.body, code, body, tc.code, tc.reason)
		}
	}
	if got, _ := reg.List(t.Context(), "web"); len(got) != 0 {
		t.Errorf("rejected requests changed the registry: %v", got)
	}
}

func TestHTTPReadOnlyBackend(t *testing.T) {
	reg, err := static.New(map[string][]string{"web": {"127.0.0.1:9001"}})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	base := newServer(t, reg).URL + "/api/services/web/instances"
	code, body := do(t, "POST", base, `{"address": "127.0.0.1:9003"}`)
	if code != http.StatusMethodNotAllowed || !strings.Contains(body, "read-only") {
		t.Errorf("POST to static = %d %s, want 405 read-only", code, body)
	}
	if code, body := do(t, "GET", base, ""); code != 200 || !strings.Contains(body, "127.0.0.1:9001") {
		t.Errorf("GET static = %d %s", code, body)
	}
}
