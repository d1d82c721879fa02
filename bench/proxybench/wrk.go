package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkMarker prefixes the line our Lua done() hook prints, so it can be found among
// wrk's own human-readable output.
const wrkMarker = "WRKJSON "

// wrkScript prints wrk's summary as one JSON line; latencies are in microseconds.
const wrkScript = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '` + wrkMarker + `{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`

// wrkSummary is what one wrk run measured.
type wrkSummary struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	Bytes      int64   `json:"bytes"`
	P50US      float64 `json:"p50_us"`
	P90US      float64 `json:"p90_us"`
	P99US      float64 `json:"p99_us"`
	MaxUS      float64 `json:"max_us"`
	ErrConnect int64   `json:"err_connect"`
	ErrRead    int64   `json:"err_read"`
	ErrWrite   int64   `json:"err_write"`
	ErrStatus  int64   `json:"err_status"` // responses that were not 2xx or 3xx
	ErrTimeout int64   `json:"err_timeout"`
}

func (s wrkSummary) rps() float64 {
	if s.DurationUS <= 0 {
		return 0
	}
	return float64(s.Requests) / (float64(s.DurationUS) / 1e6)
}

func (s wrkSummary) socketErrors() int64 {
	return s.ErrConnect + s.ErrRead + s.ErrWrite + s.ErrTimeout
}

// wrkRun is one load-generator setting.
type wrkRun struct {
	cpu      string // taskset CPU list, empty: not pinned
	threads  int
	conns    int
	duration time.Duration
}

// run drives url with wrk (keep-alive, fixed connections) and parses its summary.
func (w wrkRun) run(ctx context.Context, dir, url string) (wrkSummary, error) {
	script := filepath.Join(dir, "summary.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return wrkSummary{}, fmt.Errorf("writing wrk script: %w", err)
	}
	secs := int(w.duration.Round(time.Second) / time.Second)
	argv := []string{"wrk", "-t", strconv.Itoa(w.threads), "-c", strconv.Itoa(w.conns),
		"-d", strconv.Itoa(max(secs, 1)) + "s", "--timeout", "5s", "-s", script, url}
	if w.cpu != "" {
		argv = append([]string{"taskset", "-c", w.cpu}, argv...)
	}
	// Bound the run: wrk's own duration plus room to connect and report.
	ctx, cancel := context.WithTimeout(ctx, w.duration+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkSummary{}, fmt.Errorf("wrk: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return parseWrk(out.Bytes())
}

// parseWrk finds the marker line in wrk's output and decodes it.
func parseWrk(out []byte) (wrkSummary, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, wrkMarker) {
			continue
		}
		var s wrkSummary
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, wrkMarker)), &s); err != nil {
			return wrkSummary{}, fmt.Errorf("decoding wrk summary %q: %w", line, err)
		}
		return s, nil
	}
	return wrkSummary{}, fmt.Errorf("wrk printed no summary line: %s", strings.TrimSpace(string(out)))
}
