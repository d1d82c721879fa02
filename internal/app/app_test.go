package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func origin(t *testing.T, name string, delay time.Duration) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

func writeConfig(t *testing.T, path, upstream, extra string) {
	t.Helper()
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.2:0
state_dir: `+filepath.Join(filepath.Dir(path), "state")+`
drain_timeout: 5s
services:
  s: {endpoints: [%s]}
routes:
  - {service: s}
%s`, upstream, extra)
	// Write then rename, as editors do, so the watcher sees one change.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func startApp(t *testing.T, path string) *App {
	t.Helper()
	a, err := New(Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = a.Shutdown(context.Background())
	})
	return a
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFileReloadAndRejectedReload(t *testing.T) {
	a1, a2 := origin(t, "one", 0), origin(t, "two", 0)
	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, a1.URL, "")
	a := startApp(t, path)
	front := "http://" + a.PublicAddrs()[0]
	if _, body := get(t, front+"/"); body != "one" {
		t.Fatalf("before reload: %q", body)
	}

	writeConfig(t, path, a2.URL, "")
	waitFor(t, func() bool { _, b := get(t, front+"/"); return b == "two" })
	if st := a.ReloadStatus(); st.Generation != 2 || st.LastAttempt == nil || st.LastAttempt.Trigger != "file" {
		t.Errorf("status after file reload: %+v", st)
	}

	// A broken file is reported with its line and changes nothing.
	if err := os.WriteFile(path, []byte("listen: [127.0.0.1:0]\nadmin: 127.0.0.2:0\nstate_dir: "+filepath.Join(filepath.Dir(path), "state")+"\nservices: {s: {endpoints: [http://x:1]}}\nroutes: [{servce: s}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { st := a.ReloadStatus(); return st.LastAttempt != nil && !st.LastAttempt.OK })
	st := a.ReloadStatus()
	if st.Generation != 2 || !strings.Contains(strings.Join(st.LastAttempt.Errors, "\n"), ":5: routes[0]: unknown key \"servce\"") {
		t.Errorf("rejected reload status: %+v", st)
	}
	if _, body := get(t, front+"/"); body != "two" {
		t.Errorf("after rejected reload: %q", body)
	}

	// Static settings cannot change by reload; the admin API says which.
	resp, err := http.Post("http://"+a.AdminAddr()+"/api/config", "application/yaml",
		strings.NewReader(fmt.Sprintf("listen: [127.0.0.1:1]\nadmin: 127.0.0.2:0\nstate_dir: "+filepath.Join(filepath.Dir(path), "state")+"\nservices: {s: {endpoints: [%s]}}\nroutes: [{service: s}]\n", a1.URL)))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(fmt.Sprint(body["errors"]), "listen") {
		t.Errorf("static change through API: %d %v", resp.StatusCode, body)
	}
}

func TestShutdownDrainsInFlight(t *testing.T) {
	slow := origin(t, "slow", 500*time.Millisecond)
	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, slow.URL, "")
	a, err := New(Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	front := "http://" + a.PublicAddrs()[0]
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(front + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // the request is now at the origin
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if body := <-got; body != "slow" {
		t.Errorf("in-flight request during shutdown got %q", body)
	}
	if _, err := http.Get(front + "/"); err == nil {
		t.Error("listener still accepts after shutdown")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met within 5s")
}
