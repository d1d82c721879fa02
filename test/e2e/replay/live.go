package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/app"
)

// Outcome is one policy's run, live or simulated.
type Outcome struct {
	Policy string
	// Requests counted by the gateway (or the simulator).
	Requests float64
	// Violations: slower than the SLO, or turned away by the activator.
	Violations      float64
	ViolationPct    float64
	InstanceSeconds float64
	MaxInstances    int
	// ColdStart is the measured start-to-ready time (live) or the model's.
	ColdStart time.Duration
	// Client is what the load generator saw (live only).
	Client ClientCounts
}

// config is the gateway config: one service per policy, each routed by
// its own path prefix, all running examples/echo with the same slots.
func (s Setup) config(stateDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nstate_dir: %q\nservices:\n", stateDir)
	for _, p := range s.Policies {
		fmt.Fprintf(&b, "  %s:\n", serviceName(p))
		fmt.Fprintf(&b, "    run: {command: %q, args: [-startup-delay, %s], ready: {path: /healthz, interval: 50ms}, grace: 2s}\n", s.EchoBin, s.StartupDelay)
		fmt.Fprintf(&b, "    scale: {policy: %s, metric: concurrency, target: %g, min: %d, max: %d, cold_start: %s, container_concurrency: %d, queue_limit: %d, wait_timeout: %s}\n",
			p, s.target(p), s.Min, s.Max, s.coldStartHint(), s.Slots, s.QueueLimit, s.WaitTimeout)
	}
	b.WriteString("routes:\n")
	for _, p := range s.Policies {
		fmt.Fprintf(&b, "  - {name: %s, match: {path_prefix: /%s/}, service: %s}\n", p, p, serviceName(p))
	}
	return b.String()
}

// RunLive starts a gateway in this process with one service per policy,
// plays the trace against all of them at once (the same arrival times for
// each, so they share the machine's noise), and reads the outcome from
// the gateway: violations from its latency histogram and the activator's
// rejections, instance-seconds from the service API sampled every 250 ms.
func RunLive(ctx context.Context, s Setup) ([]Outcome, error) {
	s = s.WithDefaults()
	if s.EchoBin == "" {
		return nil, errors.New("replay: Setup.EchoBin is required for the live run")
	}
	dir, err := os.MkdirTemp("", "shoal-replay-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shoal.yaml")
	if err := os.WriteFile(path, []byte(s.config(filepath.Join(dir, "state"))), 0o644); err != nil {
		return nil, fmt.Errorf("writing the config: %w", err)
	}
	logFile, err := os.Create(filepath.Join(dir, "shoal.log"))
	if err != nil {
		return nil, fmt.Errorf("gateway log: %w", err)
	}
	defer logFile.Close()
	a, err := app.New(app.Options{ConfigPath: path, LogOutput: logFile, AccessOutput: io.Discard, TimeScale: s.TimeScale})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	appCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.Start(appCtx); err != nil {
		return nil, fmt.Errorf("starting the gateway: %w", err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		_ = a.Shutdown(sctx)
	}()
	adm := &adminClient{base: "http://" + a.AdminAddr()}
	if err := adm.waitMin(ctx, s, 30*time.Second); err != nil {
		return nil, err
	}
	s.logf("live: gateway at %s, %d services at their minimum; playing %v of trace", a.PublicAddrs()[0], len(s.Policies), s.Duration())

	cost := newCostMeter(adm, s)
	costDone := make(chan struct{})
	start := time.Now().Add(200 * time.Millisecond)
	go func() {
		defer close(costDone)
		cost.run(ctx, start, start.Add(s.Duration()))
	}()
	clients := play(ctx, s, "http://"+a.PublicAddrs()[0], start)
	<-costDone
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	metrics, err := adm.metrics()
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(s.Policies))
	for _, p := range s.Policies {
		svc := serviceName(p)
		total, fast, err := latencyCounts(metrics, svc, s.SLO)
		if err != nil {
			return nil, err
		}
		rejected, err := adm.rejected(svc)
		if err != nil {
			return nil, err
		}
		cs, err := adm.coldStart(svc)
		if err != nil {
			return nil, err
		}
		o := Outcome{
			Policy: p, Requests: total, Violations: total - fast + rejected,
			InstanceSeconds: cost.instSec[svc], MaxInstances: cost.peak[svc],
			ColdStart: cs, Client: clients[p],
		}
		if total > 0 {
			o.ViolationPct = 100 * o.Violations / total
		}
		out = append(out, o)
	}
	return out, nil
}
