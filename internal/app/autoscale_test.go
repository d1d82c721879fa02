package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/config"
)

// A scale block's target, as the running autoscaler uses it: derived from
// container_concurrency when not written (each policy's share), capped at
// it when written above (with a config warning), config's 10 without a
// limit.
func TestScaleTargetFromConfig(t *testing.T) {
	cases := []struct {
		name, scale string
		want        float64
		warned      bool
	}{
		{"shoal derives 75%", "{policy: shoal, container_concurrency: 8}", 6, false},
		{"hpa derives 70%", "{policy: hpa, container_concurrency: 10}", 7, false},
		{"kpa takes the limit", "{policy: kpa, container_concurrency: 10}", 10, false},
		{"written target kept", "{policy: shoal, target: 2, container_concurrency: 8}", 2, false},
		{"written target above the limit capped", "{policy: shoal, target: 12, container_concurrency: 8}", 8, true},
		{"no limit: config's default", "{policy: shoal}", 10, false},
		{"rps: the limit is not in its units", "{policy: shoal, metric: rps, container_concurrency: 8}", 10, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			yaml := "listen: [127.0.0.1:0]\nservices:\n  api:\n    run: {command: ./api, port_env: PORT}\n    scale: " + c.scale + "\n"
			cfg, err := config.Parse("test.yaml", []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			spec := scaleSpec(cfg.Dynamic.Services["api"].Scale, 0)
			if warned := len(cfg.Warnings) > 0; warned != c.warned {
				t.Errorf("config warnings %v, want some: %v", cfg.Warnings, c.warned)
			}
			ctl, err := autoscaler.New(autoscaler.Options{Scaler: &countScaler{obs: autoscaler.Observed{Desired: 1, Ready: 1}},
				Source: &steadySource{last: map[string]time.Time{}}, Clock: time.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer ctl.Close()
			if err := ctl.Configure("api", spec); err != nil {
				t.Fatal(err)
			}
			st, ok := ctl.Status("api")
			if !ok || st.Target != c.want {
				t.Errorf("autoscaler target %v (found %v), want %v", st.Target, ok, c.want)
			}
		})
	}
}

// A config's warnings reach the log with their file:line, at start.
func TestConfigWarningsAreLogged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	src := "listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nstate_dir: " + filepath.Join(dir, "state") + "\nservices:\n  api:\n    endpoints: [http://127.0.0.1:9]\n    scale: {min: 0, cold_start: 45s, wait_timeout: 30s}\nroutes:\n  - {service: api}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if _, err := New(Options{ConfigPath: path, LogOutput: &logs, AccessOutput: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "wait_timeout: 30s is not longer than cold_start 45s") || !strings.Contains(out, path+":7") {
		t.Errorf("warning not logged with its place:\n%s", out)
	}
}
