package sim

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

const usageHead = `usage: shoal sim --trace FILE [flags]
       shoal sim gen --preset NAME [-o FILE] [flags]   (shoal sim gen --help)
       shoal sim bar [--traces a,b] [--detail]          (shoal sim bar --help)

Replays a request-rate trace (CSV "t_seconds,requests", one row per bucket;
missing rows are gaps, filled by linear interpolation and counted) against
autoscaling policies with a service model, and reports SLO violations, cost
and scaling behaviour. The trace is rescaled so that its peak needs
--peak-instances instances.

Examples:
  shoal sim --trace testdata/traces/diurnal.csv --policy all
  shoal sim --trace t.csv --bucket 60s --policy shoal --json --plot shoal.svg
  shoal sim --trace t.csv --policy all --sweep --json --plot curves.svg

Flags:
`

type cliFlags struct {
	trace, policy, engine, metric, plot, targets string
	outFile                                      string
	bucket, from, length, warmup                 time.Duration
	plotFrom, plotFor                            time.Duration
	jsonOut, sweep, markdown                     bool
	target                                       float64
	peak, min, max, parallel                     int
	m                                            Model
}

func newFlagSet(stderr io.Writer) (*flag.FlagSet, *cliFlags) {
	c := &cliFlags{m: DefaultModel()}
	fs := flag.NewFlagSet("shoal sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.trace, "trace", "", "trace CSV file (required)")
	fs.DurationVar(&c.bucket, "bucket", time.Minute, "bucket width of the trace rows")
	fs.StringVar(&c.policy, "policy", "all", "policy: "+strings.Join(autoscale.Names(), ", ")+", a comma list, or all")
	fs.BoolVar(&c.jsonOut, "json", false, "print JSON: one object for one policy, else an array")
	fs.BoolVar(&c.sweep, "sweep", false, "run each policy at several targets (see --targets); JSON objects carry \"target\"")
	fs.BoolVar(&c.markdown, "markdown", false, "with --sweep: print each policy's cheapest point with at most 0.01% violations above the floor as a markdown table, then the bar (as in docs/autoscaling.md)")
	fs.StringVar(&c.targets, "targets", "", "comma list of targets for --sweep (default: 40%..95% of an instance's capacity; kpa ÷0.7)")
	fs.Float64Var(&c.target, "target", 0, "per-instance target in metric units (default: 7 in flight with 10 slots, 70% of capacity; shoal 7.5, its target being a ceiling; kpa 10, it aims at 70% itself)")
	fs.StringVar(&c.metric, "metric", "concurrency", "policy metric: concurrency (in flight per instance) or rps")
	fs.StringVar(&c.engine, "engine", "fluid", "fluid (per-second queueing model, fast) or request (discrete-event, for slices)")
	fs.StringVar(&c.outFile, "out", "", "also write the results as a JSON array to this file")
	fs.StringVar(&c.plot, "plot", "", "write an SVG: timelines of each policy, or cost/SLO curves with --sweep")
	fs.DurationVar(&c.plotFrom, "plot-from", 0, "timeline plot: start of the window to draw (the whole trace is still simulated)")
	fs.DurationVar(&c.plotFor, "plot-for", 0, "timeline plot: length of the window (0: to the end)")
	fs.IntVar(&c.peak, "peak-instances", 20, "rescale the trace so that its peak needs this many instances (0: keep rates)")
	fs.IntVar(&c.min, "min", 1, "minimum instances (0 allows scale to zero)")
	fs.IntVar(&c.max, "max", 0, "maximum instances (0: no limit)")
	fs.IntVar(&c.parallel, "parallel", 0, "simulations run at once (default: GOMAXPROCS)")
	fs.DurationVar(&c.from, "from", 0, "start of the slice of the trace to replay")
	fs.DurationVar(&c.length, "for", 0, "length of the slice (0: to the end)")
	fs.DurationVar(&c.warmup, "warmup", 0, "leave this first stretch out of the metrics (policies still learn from it)")
	fs.IntVar(&c.m.Slots, "slots", c.m.Slots, "concurrent requests per instance")
	fs.DurationVar(&c.m.ServiceMean, "service-time", c.m.ServiceMean, "mean service time of a request")
	fs.StringVar(&c.m.ServiceDist, "service-dist", c.m.ServiceDist, "service-time distribution: exp or lognormal")
	fs.Float64Var(&c.m.Sigma, "sigma", c.m.Sigma, "lognormal shape parameter")
	fs.DurationVar(&c.m.ColdStart, "cold-start", c.m.ColdStart, "time from creating an instance to it being ready")
	fs.DurationVar(&c.m.Actuation, "actuation", c.m.Actuation, "time from a decision to the instance being created")
	fs.DurationVar(&c.m.Drain, "drain", c.m.Drain, "minimum time a removed instance keeps costing (deregistration + in-flight)")
	fs.DurationVar(&c.m.QueueTimeout, "queue-timeout", c.m.QueueTimeout, "how long a request may wait at the gateway for a slot")
	fs.IntVar(&c.m.QueueLimit, "queue-limit", c.m.QueueLimit, "gateway queue length beyond which requests are rejected (0: unlimited)")
	fs.DurationVar(&c.m.SLO, "slo", c.m.SLO, "latency SLO: slower requests count as violations")
	fs.Float64Var(&c.m.NeedViolation, "need-violation", c.m.NeedViolation, "steady-state violation share that defines the instances a load needs")
	fs.Uint64Var(&c.m.Seed, "seed", c.m.Seed, "random seed (request engine)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	return fs, c
}

// Main implements `shoal sim`; it returns the process exit code (0 ok, 1
// failure, 2 usage error).
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "gen" {
		return genMain(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bar" {
		return barMain(args[1:], stdout, stderr)
	}
	fs, c := newFlagSet(stderr)
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shoal sim: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	if c.trace == "" {
		fmt.Fprintln(stderr, "shoal sim: --trace is required (see --help)")
		return 2
	}
	if err := simulate(c, stdout); err != nil {
		fmt.Fprintf(stderr, "shoal sim: %v\n", err)
		return 1
	}
	return 0
}

// wantsHelp reports a -h/--help among the flags, so that help goes to
// stdout with exit 0 (the flag package would print it to stderr).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--h", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

func (c *cliFlags) policies() ([]string, error) {
	if c.policy == "all" {
		return []string{"shoal", "hpa", "kpa", "weekago", "static", "oracle"}, nil
	}
	known := map[string]bool{}
	for _, n := range autoscale.Names() {
		known[n] = true
	}
	var out []string
	for _, p := range strings.Split(c.policy, ",") {
		p = strings.TrimSpace(p)
		if !known[p] {
			return nil, fmt.Errorf("unknown policy %q (known: %s, all)", p, strings.Join(autoscale.Names(), ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

func (c *cliFlags) jobs(names []string) ([]Job, error) {
	var jobs []Job
	for _, n := range names {
		if !c.sweep {
			jobs = append(jobs, Job{Policy: n, Target: c.target})
			continue
		}
		ts := SweepTargets(n, c.metric, c.m)
		if c.targets != "" && n != "static" {
			ts = ts[:0]
			for _, f := range strings.Split(c.targets, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil || v <= 0 {
					return nil, fmt.Errorf("--targets: %q is not a positive number", f)
				}
				ts = append(ts, v)
			}
		}
		for _, t := range ts {
			jobs = append(jobs, Job{Policy: n, Target: t})
		}
	}
	return jobs, nil
}

func simulate(c *cliFlags, stdout io.Writer) error {
	if c.metric != "concurrency" && c.metric != "rps" {
		return fmt.Errorf("--metric %q: want concurrency or rps", c.metric)
	}
	names, err := c.policies()
	if err != nil {
		return err
	}
	tr, err := ReadTraceFile(c.trace, c.bucket)
	if err != nil {
		return err
	}
	d, err := NewDemand(tr, c.m, c.peak)
	if err != nil {
		return err
	}
	if c.from > 0 || c.length > 0 {
		length := c.length
		if length <= 0 {
			length = time.Duration(d.Seconds())*time.Second - c.from
		}
		if d, err = d.Slice(c.from, length); err != nil {
			return err
		}
	}
	setup := &Setup{Demand: d, Model: c.m, Engine: c.engine, Metric: c.metric, Min: c.min, Max: c.max, Warmup: c.warmup}
	jobs, err := c.jobs(names)
	if err != nil {
		return err
	}
	var results []Result
	var panels []PanelData
	if c.plot != "" && !c.sweep {
		// Timelines are recorded one run at a time.
		for _, j := range jobs {
			tl := &Timeline{From: secs(c.plotFrom), For: secs(c.plotFor)}
			r, err := setup.RunJob(j, tl)
			if err != nil {
				return err
			}
			results = append(results, r)
			panels = append(panels, PanelData{Policy: r.Policy, Timeline: tl, Title: panelTitle(r)})
		}
	} else if results, err = setup.RunAll(jobs, c.parallel); err != nil {
		return err
	}
	if c.plot != "" {
		title := fmt.Sprintf("%s — cold start %v, peak %d instances", tr.Name, c.m.ColdStart, d.Peak)
		out := PlotCurves("cost vs SLO: "+title, results)
		if !c.sweep {
			out = PlotTimeline("demand, capacity and forecast: "+title, panels)
		}
		if err := os.WriteFile(c.plot, []byte(out), 0o644); err != nil {
			return fmt.Errorf("writing plot: %w", err)
		}
	}
	if c.outFile != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding results: %w", err)
		}
		if err := os.WriteFile(c.outFile, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if c.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if len(results) == 1 && !c.sweep {
			return enc.Encode(results[0])
		}
		return enc.Encode(results)
	}
	if c.markdown && c.sweep {
		WriteMarkdown(stdout, results)
		var bar strings.Builder
		WriteBar(&bar, CompareTrace(results, tr, c.m.ColdStart))
		fmt.Fprintf(stdout, "\n```\n%s```\n", strings.TrimPrefix(bar.String(), "\n"))
		return nil
	}
	writeTable(stdout, tr, d, c.m, results)
	if c.sweep {
		WriteBar(stdout, CompareTrace(results, tr, c.m.ColdStart))
	}
	return nil
}

func panelTitle(r Result) string {
	return fmt.Sprintf("%s (target %g): %.3f%% SLO-violating, %.0f instance-hours, %d scaling actions",
		r.Policy, r.Target, r.SLOViolationPct, r.InstanceHours, r.ScalingActions)
}

func writeTable(w io.Writer, tr *Trace, d *Demand, m Model, rs []Result) {
	fmt.Fprintf(w, "trace %s: %v in %v buckets, %d gap buckets interpolated; rate ×%.4g so the peak needs %d instances\n",
		tr.Name, tr.Duration(), tr.Bucket, tr.Gaps(), d.Scale, d.Peak)
	dist := m.ServiceDist
	if dist == "lognormal" {
		dist = fmt.Sprintf("lognormal (σ %g)", m.Sigma)
	}
	fmt.Fprintf(w, "model: %d slots/instance, %v %s service, SLO %v, cold start %v, actuation %v, queue timeout %v\n",
		m.Slots, m.ServiceMean, dist, m.SLO, m.ColdStart, m.Actuation, m.QueueTimeout)
	// A floor no policy can remove is in every violate% below; say so, or
	// a reader compares policies on a difference it swamps.
	if f := m.floorPct(); f >= 0.00005 {
		fmt.Fprintf(w, "floor: %.4f%% of requests take longer than the SLO to serve with no wait; violate%% includes it (--json: excess_violation_pct does not)\n", f)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-8s %7s %9s %8s %8s %10s %8s %8s %6s %7s %7s %8s\n",
		"policy", "target", "violate%", "p50ms", "p99ms", "inst-hours", "vs-need", "actions", "colds", "under%", "over%", "fcerr%")
	for _, r := range rs {
		fc := "-"
		if r.ForecastPoints > 0 {
			fc = fmt.Sprintf("%.1f", r.ForecastErrPct)
		}
		fmt.Fprintf(w, "%-8s %7.3g %9.4f %8.1f %8.1f %10.1f %8.3f %8d %6d %7.2f %7.2f %8s\n",
			r.Policy, r.Target, r.SLOViolationPct, r.P50LatencyMs, r.P99LatencyMs, r.InstanceHours, r.CostVsNeeded,
			r.ScalingActions, r.ColdStarts, r.UnderProvisionedTimePct, r.OverProvisionedTimePct, fc)
	}
}
