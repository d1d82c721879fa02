package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/examples/album"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/demo"
)

// DemoOptions are the flags of `shoal demo`.
type DemoOptions struct {
	Duration time.Duration
	// Exe is the shoal binary: the album services run as `shoal album NAME`.
	Exe      string
	StateDir string
	Listen   string // default 127.0.0.1:8080
	Admin    string // default 127.0.0.1:9901
	Out      io.Writer
	Log      io.Writer
	// Live prints a status line every second.
	Live bool
}

// DemoResult is what happened, for the end-of-run summary and tests.
type DemoResult struct {
	Report demo.Report `json:"report"`
	// Peaks is the most ready instances each service had in each phase.
	Peaks map[string]map[string]int `json:"peaks"`
	// Lows is the fewest ready instances each service had in each phase
	// (0: it was scaled to zero at some point of the phase).
	Lows map[string]map[string]int `json:"lows"`
	// FallbackPages counts storefront pages rendered without comments.
	FallbackPages int64 `json:"fallback_pages"`
}

var albumCommand = regexp.MustCompile(`(?m)^(\s*)command: \.\./\.\./\.bin/album-(\w+).*$`)

// demoConfig turns the album's example config into one that runs the
// services from the shoal binary itself.
func demoConfig(o DemoOptions) []byte {
	cfg := string(album.Config())
	cfg = albumCommand.ReplaceAllStringFunc(cfg, func(line string) string {
		m := albumCommand.FindStringSubmatch(line)
		indent, name := m[1], m[2]
		out := fmt.Sprintf("%scommand: %q\n%sargs: [album, %s]", indent, o.Exe, indent, name)
		if name == "comments" {
			out += fmt.Sprintf("\n%senv: {COMMENTS_FLAG_FILE: %q}", indent, filepath.Join(o.StateDir, "comments.fail"))
		}
		return out
	})
	cfg = strings.ReplaceAll(cfg, "127.0.0.1:8080", o.Listen)
	cfg = strings.ReplaceAll(cfg, "127.0.0.1:9901", o.Admin)
	cfg = strings.Replace(cfg, "state_dir: ./.shoal/album", fmt.Sprintf("state_dir: %q", o.StateDir), 1)
	return []byte(cfg)
}

// RunDemo starts the album shop behind a gateway, plays a day of traffic in
// fast-forward and stops everything.
func RunDemo(ctx context.Context, o DemoOptions) (DemoResult, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8080"
	}
	if o.Admin == "" {
		o.Admin = "127.0.0.1:9901"
	}
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return DemoResult{}, fmt.Errorf("demo state directory: %w", err)
	}
	path := filepath.Join(o.StateDir, "album.yaml")
	if err := os.WriteFile(path, demoConfig(o), 0o644); err != nil {
		return DemoResult{}, fmt.Errorf("writing the demo config: %w", err)
	}
	// The day is compressed, so are the policies' windows and delays.
	a, err := New(Options{ConfigPath: path, LogOutput: o.Log, AccessOutput: io.Discard, TimeScale: demo.TimeScale(o.Duration)})
	if err != nil {
		return DemoResult{}, err
	}
	runCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	if err := a.Start(runCtx); err != nil {
		return DemoResult{}, err
	}
	defer func() {
		if err := a.Shutdown(context.Background()); err != nil {
			fmt.Fprintln(o.Log, "demo shutdown:", err)
		}
	}()
	fmt.Fprintf(o.Out, "Shoal demo: the album shop behind a gateway at http://%s\nDashboard:  http://%s/\nPlaying a day of traffic in %v (Ctrl-C stops everything).\n\n", o.Listen, o.Admin, o.Duration)
	if err := a.waitServing(ctx, 30*time.Second); err != nil {
		return DemoResult{}, err
	}

	var mu sync.Mutex
	peaks, lows := map[string]map[string]int{}, map[string]map[string]int{}
	res := DemoResult{}
	rep, err := demo.Run(ctx, demo.Options{
		GatewayURL: "http://" + o.Listen,
		Duration:   o.Duration,
		OnTick: func(t demo.Tick) {
			svcs := a.Services()
			mu.Lock()
			for _, s := range svcs {
				if peaks[s.Name] == nil {
					peaks[s.Name] = map[string]int{}
				}
				if s.Instances.Ready > peaks[s.Name][t.Phase] {
					peaks[s.Name][t.Phase] = s.Instances.Ready
				}
				if lows[s.Name] == nil {
					lows[s.Name] = map[string]int{}
				}
				if low, seen := lows[s.Name][t.Phase]; !seen || s.Instances.Ready < low {
					lows[s.Name][t.Phase] = s.Instances.Ready
				}
			}
			mu.Unlock()
			if o.Live {
				fmt.Fprintf(o.Out, "\r%-8s %5.1fs %6.0f req/s  ok %-6d failed %-4d no-comments %-4d | %s   ", t.Phase, t.Elapsed.Seconds(), t.RatePerSecond, t.OK, t.Failed, t.CommentsOmitted, instanceLine(svcs))
			}
		},
	})
	if o.Live {
		fmt.Fprintln(o.Out)
	}
	res.Report, res.Peaks, res.Lows = rep, peaks, lows
	res.FallbackPages = int64(rep.Total.CommentsOmitted)
	return res, err
}

func instanceLine(svcs []api.ServiceInfo) string {
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Name < svcs[j].Name })
	var b strings.Builder
	for _, s := range svcs {
		fmt.Fprintf(&b, "%s %d ", s.Name, s.Instances.Ready)
	}
	return b.String()
}

// waitServing waits until every service with a minimum has it ready.
func (a *App) waitServing(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok := true
		a.mu.Lock()
		cfg := a.cfg
		a.mu.Unlock()
		for _, s := range a.Services() {
			sc := cfg.Dynamic.Services[s.Name]
			if sc != nil && sc.Scale != nil && s.Instances.Ready < sc.Scale.Min {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the album services did not start within %v; see the log above", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
