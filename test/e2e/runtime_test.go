package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

type svcInfo struct {
	Name      string
	Desired   int
	Instances struct{ Ready, Starting, Draining int }
}

func services(t *testing.T, admin string) map[string]svcInfo {
	t.Helper()
	_, body := get(t, "http://"+admin+"/api/services")
	var list []svcInfo
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("decoding /api/services: %v: %s", err, body)
	}
	out := map[string]svcInfo{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

func waitReady(t *testing.T, admin, svc string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s := services(t, admin)[svc]
		if s.Instances.Ready == n && s.Instances.Starting == 0 && s.Instances.Draining == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %d ready instances: %+v", svc, n, services(t, admin)[svc])
}

// TestLocalRuntimeScaleWithLoad runs examples/echo as a service Shoal
// starts itself, scales it 1→4→1 through `shoal scale` while a load loop
// runs, and requires that no request fails, draining included.
func TestLocalRuntimeScaleWithLoad(t *testing.T) {
	g := runGateway(t, fmt.Sprintf(`services:
  echo:
    run: {command: %s, port_env: PORT, ready: {path: /healthz, interval: 50ms}, grace: 5s}
    scale: {min: 1, max: 6}
  ghost:
    run: {command: /nonexistent/ghost-service}
routes:
  - {match: {path_prefix: /ghost}, service: ghost}
  - {service: echo}
`, echoBin))
	listen, admin := g.listen, g.admin
	waitReady(t, admin, "echo", 1)

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get("http://" + listen + "/work?delay=20ms")
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, resp.Status+" "+resp.Header.Get("Shoal-Error"))
					continue
				}
				ok.Add(1)
			}
		}()
	}
	scale := func(n int) {
		t.Helper()
		code, out := runShoal(t, "scale", "--admin", admin, "echo", fmt.Sprint(n))
		if code != 0 {
			t.Fatalf("shoal scale echo %d: %d %s", n, code, out)
		}
	}
	scale(4)
	waitReady(t, admin, "echo", 4)
	time.Sleep(300 * time.Millisecond)
	scale(1)
	waitReady(t, admin, "echo", 1)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || ok.Load() < 50 {
		t.Errorf("load during 1→4→1: %d ok, %d failed (first: %v)", ok.Load(), failed.Load(), firstErr.Load())
	}

	// Over the limit and unknown services are refused with the reason.
	if code, out := runShoal(t, "scale", "--admin", admin, "echo", "9"); code != 1 || !strings.Contains(out, "scale.max") {
		t.Errorf("scale above max: %d %q", code, out)
	}
	// The broken service is marked failed with its error; the others serve.
	_, body := get(t, "http://"+admin+"/api/services/ghost")
	if !strings.Contains(body, "not found") && !strings.Contains(body, "no such file") {
		t.Errorf("ghost service shows no error: %s", body)
	}
	if resp, _ := get(t, "http://"+listen+"/ghost"); resp.StatusCode != 503 {
		t.Errorf("request to the failed service: %d", resp.StatusCode)
	}
	// Instance logs are readable through the API.
	_, logs := get(t, "http://"+admin+"/api/services/echo/logs?contains=listening")
	if !strings.Contains(logs, "echo listening") {
		t.Errorf("instance logs: %s", logs)
	}
	// Status shows the service.
	if code, out := runShoal(t, "status", "--admin", admin); code != 0 || !strings.Contains(out, "echo") {
		t.Errorf("shoal status: %d %s", code, out)
	}
	// SIGTERM stops the instances too: none outlive the gateway.
	_, body = get(t, "http://"+admin+"/api/services/echo")
	var d struct {
		Runtime struct{ Processes []struct{ PID int } }
	}
	_ = json.Unmarshal([]byte(body), &d)
	if len(d.Runtime.Processes) == 0 {
		t.Fatalf("no processes listed: %s", body)
	}
	_ = g.Signal(syscall.SIGTERM)
	if err := waitExit(t, g.Proc, 20*time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
	for _, pr := range d.Runtime.Processes {
		if pr.PID > 0 && syscall.Kill(pr.PID, 0) == nil {
			t.Errorf("instance pid %d outlived the gateway", pr.PID)
		}
	}
}

// TestWakeFromZero: a service at zero instances gets its first request; the
// gateway holds it, starts an instance, and serves it once the instance is
// ready, saying how long the cold start took.
func TestWakeFromZero(t *testing.T) {
	g := runGateway(t, fmt.Sprintf(`services:
  lazy:
    run: {command: %s, ready: {path: /healthz, interval: 20ms}}
    scale: {min: 0, max: 2, policy: kpa}
routes:
  - {service: lazy}
`, echoBin))
	listen, admin := g.listen, g.admin
	if s := services(t, admin)["lazy"]; s.Instances.Ready != 0 || s.Desired != 0 {
		t.Fatalf("service must start at zero: %+v", s)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	results := make(chan string, 5)
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get("http://" + listen + "/hello")
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			resp.Body.Close()
			results <- fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Shoal-Cold-Start"))
		}()
	}
	wg.Wait()
	close(results)
	for r := range results {
		var code int
		var waited string
		fmt.Sscanf(r, "%d %s", &code, &waited)
		d, err := time.ParseDuration(waited)
		if code != 200 || err != nil || d <= 0 {
			t.Errorf("request during wake-up: %q (want 200 with a Shoal-Cold-Start duration)", r)
		}
	}
	if s := services(t, admin)["lazy"]; s.Instances.Ready != 1 {
		t.Errorf("after the wake-up: %+v", s)
	}
}
