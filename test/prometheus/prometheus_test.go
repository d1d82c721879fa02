// Package prometheus checks Shoal's metrics with a real Prometheus server:
// it scrapes a running gateway, and PromQL returns what the test sent.
package prometheus

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

func waitOK(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready", u)
}

func TestPrometheusScrapesRequestCount(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed: run scripts/install-deps.sh (apt package prometheus)")
	}
	dir := t.TempDir()
	shoal := filepath.Join(dir, "shoal")
	if out, err := exec.Command("go", "build", "-o", shoal, "github.com/shoal-gw/shoal/cmd/shoal").CombinedOutput(); err != nil {
		t.Fatalf("building shoal: %v\n%s", err, out)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer origin.Close()

	cfg := filepath.Join(dir, "shoal.yaml")
	addrs := startListening(t, shoal, 2, freeport.Ports, func(addrs []string) ([]string, error) {
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf("listen: [%s]\nadmin: %s\nstate_dir: %s\nservices:\n  api: {endpoints: [%s]}\nroutes:\n  - {name: api, service: api}\n",
			addrs[0], addrs[1], filepath.Join(dir, "state"), origin.URL)), 0o644); err != nil {
			return nil, fmt.Errorf("writing the shoal config: %w", err)
		}
		return []string{"run", "-c", cfg}, nil
	})
	listen, admin := addrs[0], addrs[1]
	waitOK(t, "http://"+admin+"/readyz")

	const sent = 137
	for i := 0; i < sent; i++ {
		resp, err := http.Get("http://" + listen + "/x")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	promCfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promCfg, []byte(fmt.Sprintf("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: shoal\n    static_configs: [{targets: [%q]}]\n", admin)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Each attempt gets its own TSDB directory, so nothing a killed attempt
	// wrote there is opened again.
	attempt := 0
	promAddr := startListening(t, prom, 1, freeport.Ports, func(addrs []string) ([]string, error) {
		attempt++
		return []string{"--config.file=" + promCfg, "--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("tsdb-%d", attempt)),
			"--web.listen-address=" + addrs[0]}, nil
	})[0]
	waitOK(t, "http://"+promAddr+"/-/ready")

	query := `sum(shoal_http_requests_total{route="api",service="api",code_class="2xx"})`
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(query))
		if err == nil {
			var r struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if len(r.Data.Result) == 1 {
				s, _ := r.Data.Result[0].Value[1].(string)
				last = s
				if v, _ := strconv.ParseFloat(s, 64); v == sent {
					return
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("PromQL %s = %q, want %d", query, last, sent)
}
