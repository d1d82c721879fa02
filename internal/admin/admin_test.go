package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/internal/api"
)

type fakeController struct {
	source  []byte
	applied int
	ready   bool
}

func (f *fakeController) ApplyConfig(_ context.Context, data []byte) error {
	if strings.Contains(string(data), "bad") {
		return errors.New("c.yaml:3: unknown key \"bad\"\nc.yaml:7: route \"x\": no such service \"y\"")
	}
	f.source = data
	f.applied++
	return nil
}
func (f *fakeController) ConfigSource() []byte { return f.source }
func (f *fakeController) ReloadStatus() api.ReloadStatus {
	return api.ReloadStatus{Generation: uint64(f.applied)}
}
func (f *fakeController) Routes() []api.RouteInfo {
	return []api.RouteInfo{{Name: "r1", Service: "web"}}
}
func (f *fakeController) Services() []api.ServiceInfo {
	return []api.ServiceInfo{{Name: "web", Desired: 2, Instances: api.Instances{Ready: 2}}}
}
func (f *fakeController) Service(name string) (api.ServiceDetail, bool) {
	if name != "web" {
		return api.ServiceDetail{}, false
	}
	return api.ServiceDetail{ServiceInfo: f.Services()[0], Endpoints: []api.EndpointInfo{{Address: "127.0.0.1:9001", State: "ready"}}}, true
}
func (f *fakeController) Ready() bool { return f.ready }

func do(t *testing.T, h http.Handler, method, path, body, token string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

func TestProbesAndAPI(t *testing.T) {
	f := &fakeController{}
	h := Handler(f, Options{})
	if r, _ := do(t, h, "GET", "/readyz", "", ""); r.StatusCode != 503 {
		t.Errorf("readyz before ready = %d", r.StatusCode)
	}
	f.ready = true
	if r, _ := do(t, h, "GET", "/readyz", "", ""); r.StatusCode != 200 {
		t.Errorf("readyz when ready = %d", r.StatusCode)
	}
	r, body := do(t, h, "GET", "/api/services", "", "")
	var svcs []map[string]any
	if err := json.Unmarshal([]byte(body), &svcs); err != nil || r.StatusCode != 200 {
		t.Fatalf("services: %d %v %s", r.StatusCode, err, body)
	}
	inst, _ := svcs[0]["instances"].(map[string]any)
	if svcs[0]["name"] != "web" || svcs[0]["desired"] != float64(2) || inst["ready"] != float64(2) || inst["starting"] != float64(0) || inst["draining"] != float64(0) {
		t.Errorf("services JSON shape wrong: %s", body)
	}
	if r, body := do(t, h, "GET", "/api/services/nope", "", ""); r.StatusCode != 404 || !strings.Contains(body, "nope") {
		t.Errorf("unknown service: %d %s", r.StatusCode, body)
	}
	if r, body := do(t, h, "GET", "/api/services/web", "", ""); r.StatusCode != 200 || !strings.Contains(body, `"address": "127.0.0.1:9001"`) {
		t.Errorf("service detail: %d %s", r.StatusCode, body)
	}
	if r, _ := do(t, h, "GET", "/api/nothing", "", ""); r.StatusCode != 404 {
		t.Errorf("unknown endpoint = %d", r.StatusCode)
	}
}

func TestPostConfig(t *testing.T) {
	f := &fakeController{source: []byte("old")}
	h := Handler(f, Options{})
	r, body := do(t, h, "POST", "/api/config", "listen: bad", "")
	if r.StatusCode != 400 || !strings.Contains(body, "c.yaml:3: unknown key") || !strings.Contains(body, "c.yaml:7") {
		t.Fatalf("bad config: %d %s", r.StatusCode, body)
	}
	if string(f.source) != "old" {
		t.Fatal("rejected config replaced the old one")
	}
	if r, _ := do(t, h, "POST", "/api/config", "good: 1", ""); r.StatusCode != 200 || f.applied != 1 {
		t.Fatalf("good config: %d applied=%d", r.StatusCode, f.applied)
	}
	if _, body := do(t, h, "GET", "/api/config", "", ""); body != "good: 1" {
		t.Errorf("GET /api/config = %q", body)
	}
}

func TestTokenRequired(t *testing.T) {
	f := &fakeController{ready: true}
	h := Handler(f, Options{Token: "s3cret"})
	if r, _ := do(t, h, "GET", "/api/services", "", ""); r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", r.StatusCode)
	}
	if r, _ := do(t, h, "GET", "/api/services", "", "wrong"); r.StatusCode != 401 {
		t.Errorf("wrong token: %d", r.StatusCode)
	}
	if r, _ := do(t, h, "GET", "/api/services", "", "s3cret"); r.StatusCode != 200 {
		t.Errorf("right token: %d", r.StatusCode)
	}
	// Probes stay open so orchestrators can use them without secrets.
	if r, _ := do(t, h, "GET", "/healthz", "", ""); r.StatusCode != 200 {
		t.Errorf("healthz with token configured: %d", r.StatusCode)
	}
}

func TestTokenCookieForBrowsers(t *testing.T) {
	h := Handler(&fakeController{ready: true}, Options{Token: "s3cret"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?token=wrong", nil))
	if rec.Code != 401 {
		t.Fatalf("wrong token in query: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?token=s3cret", nil))
	cookies := rec.Result().Cookies()
	if rec.Code != 303 || len(cookies) != 1 || !cookies[0].HttpOnly {
		t.Fatalf("right token in query: %d %v", rec.Code, cookies)
	}
	req := httptest.NewRequest("GET", "/api/services", nil)
	req.AddCookie(cookies[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("request with the cookie: %d", rec.Code)
	}
}
