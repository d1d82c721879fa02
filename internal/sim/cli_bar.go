package sim

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const barUsage = `usage: shoal sim bar [--traces a,b] [--trace F.csv,... --bucket 60s] [--cold-start 30s] [--peak-instances 20] [--cache DIR] [--detail]

Evaluates the bar of issue 8: every policy is swept over its targets with
the fluid engine, each trace rescaled so its peak needs 20 instances (or
--peak-instances), and
shoal is compared with the best of hpa, kpa and weekago at equal cost and
at equal violations, and with oracle. Prints one markdown row per trace
(and with --detail each trace's point-by-point comparison).

By default it runs the generated presets (the tuning set, the held-out one
and the stress set, see shoal sim gen --help); --trace runs your own trace
files instead (the CSV of shoal sim --trace, all of one --bucket), and the
presets too if --traces is also given. Baseline sweeps do not depend on
shoal, so --cache keeps them between runs (keyed by the trace's content
and the model).

Flags:
`

// barBaselines are the sweeps the bar compares shoal with (static is not
// part of it).
func barBaselines() []string { return []string{"hpa", "kpa", "weekago", "oracle"} }

func barMain(args []string, stdout, stderr io.Writer) int {
	all, _ := AllPresets()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	order := map[string]int{SetTuning: 0, SetHeldOut: 1, SetStress: 2}
	sort.Slice(names, func(i, j int) bool {
		if a, b := order[PresetSet(names[i])], order[PresetSet(names[j])]; a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	fs := flag.NewFlagSet("shoal sim bar", flag.ContinueOnError)
	fs.SetOutput(stderr)
	traces := fs.String("traces", strings.Join(names, ","), "comma list of presets")
	files := fs.String("trace", "", "comma list of trace files (CSV t_seconds,requests) to run instead of the presets")
	bucket := fs.Duration("bucket", time.Minute, "bucket width of the --trace files' rows")
	cache := fs.String("cache", "", "directory to keep baseline sweeps in (reused when the trace and model match)")
	detail := fs.Bool("detail", false, "also print each trace's point-by-point comparison")
	parallel := fs.Int("parallel", 0, "simulations run at once (default: GOMAXPROCS)")
	m := DefaultModel()
	fs.DurationVar(&m.ColdStart, "cold-start", m.ColdStart, "cold start of every instance")
	peak := fs.Int("peak-instances", barPeak, "rescale every trace so that its peak needs this many instances")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), barUsage)
		fs.PrintDefaults()
	}
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *peak < 1 {
		fmt.Fprintf(stderr, "shoal sim bar: --peak-instances %d: want at least 1\n", *peak)
		return 2
	}
	presetsSet := false
	fs.Visit(func(f *flag.Flag) { presetsSet = presetsSet || f.Name == "traces" })
	// Every trace is read or generated before any runs, so that a bad
	// name or file is reported at once, not after minutes of sweeps.
	var todo []barTrace
	if *files == "" || presetsSet {
		for _, n := range strings.Split(*traces, ",") {
			n = strings.TrimSpace(n)
			g, ok := all[n]
			if !ok {
				fmt.Fprintf(stderr, "shoal sim bar: unknown trace %q (known: %s)\n", n, strings.Join(names, ", "))
				return 2
			}
			tr, err := Generate(g)
			if err != nil {
				fmt.Fprintf(stderr, "shoal sim bar: %s: %v\n", n, err)
				return 1
			}
			tr.Name = n
			key, err := json.Marshal(g)
			if err != nil {
				fmt.Fprintf(stderr, "shoal sim bar: %s: %v\n", n, err)
				return 1
			}
			todo = append(todo, barTrace{name: n, set: PresetSet(n), trace: tr, key: key})
		}
	}
	if *files != "" {
		for _, f := range strings.Split(*files, ",") {
			f = strings.TrimSpace(f)
			tr, err := ReadTraceFile(f, *bucket)
			if err != nil {
				fmt.Fprintf(stderr, "shoal sim bar: %v\n", err)
				return 1
			}
			todo = append(todo, barTrace{name: filepath.Base(f), set: "file", trace: tr, key: traceKey(tr)})
		}
	}
	fmt.Fprintln(stdout, "| trace | set | shoal/baseline violations at equal cost: best (front points ≤ 0.5) | cost saving at equal violations: best | shoal vs oracle cost at ≤ 1% violations | scatter: least cost above oracle |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	var details []string
	for _, t := range todo {
		b, err := barFor(t, m, *peak, *cache, *parallel)
		if err != nil {
			fmt.Fprintf(stderr, "shoal sim bar: %s: %v\n", t.name, err)
			return 1
		}
		fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s |\n", t.name, t.set, ratioCell(b), savingCell(b), oracleCell(b), scatterCell(b))
		if *detail {
			var sb strings.Builder
			fmt.Fprintf(&sb, "\n%s (%s):", t.name, t.set)
			WriteBar(&sb, b)
			details = append(details, sb.String())
		}
	}
	for _, d := range details {
		fmt.Fprint(stdout, d)
	}
	return 0
}

// barTrace is one trace the bar runs on: a preset or a file, and what
// identifies its content for the baseline cache.
type barTrace struct {
	name, set string
	trace     *Trace
	key       []byte
}

// traceKey identifies a trace read from a file by its content: the same
// name may hold another trace next time.
func traceKey(tr *Trace) []byte {
	h := fnv.New64a()
	fmt.Fprintf(h, "%v %v|", tr.Bucket, tr.Origin)
	for i, c := range tr.Counts {
		fmt.Fprintf(h, "%g %v,", c, i < len(tr.Missing) && tr.Missing[i])
	}
	key, _ := json.Marshal(fmt.Sprintf("file %016x", h.Sum64())) // a string always encodes
	return key
}

// barPeak is the instances the bar's traces are rescaled to need at their
// peak, unless --peak-instances says otherwise.
const barPeak = 20

// barFor runs (or loads) the sweeps for one trace and compares them.
func barFor(t barTrace, m Model, peak int, cache string, parallel int) (Bar, error) {
	d, err := NewDemand(t.trace, m, peak)
	if err != nil {
		return Bar{}, err
	}
	setup := &Setup{Demand: d, Model: m, Engine: "fluid", Metric: "concurrency", Min: 1}
	sweep := func(policies []string) ([]Result, error) {
		var jobs []Job
		for _, p := range policies {
			for _, target := range SweepTargets(p, "concurrency", m) {
				jobs = append(jobs, Job{Policy: p, Target: target})
			}
		}
		return setup.RunAll(jobs, parallel)
	}
	key := t.key
	if peak != barPeak {
		// Keyed apart, so that the caches of the default rescale stay valid.
		if key, err = json.Marshal(struct {
			T    json.RawMessage
			Peak int
		}{t.key, peak}); err != nil {
			return Bar{}, fmt.Errorf("hashing the setup: %w", err)
		}
	}
	base, err := cachedBaselines(t.name, key, m, cache, func() ([]Result, error) { return sweep(barBaselines()) })
	if err != nil {
		return Bar{}, err
	}
	ours, err := sweep([]string{"shoal"})
	if err != nil {
		return Bar{}, err
	}
	return CompareTrace(append(ours, base...), t.trace, m.ColdStart), nil
}

// cachedBaselines loads the baseline sweeps for (trace, model) from dir,
// or runs and saves them. The file name carries a hash of both, so a
// changed trace or model never reuses stale results.
func cachedBaselines(name string, trace []byte, m Model, dir string, run func() ([]Result, error)) ([]Result, error) {
	if dir == "" {
		return run()
	}
	key, err := json.Marshal(struct {
		G json.RawMessage
		M Model
		P []string
	}{trace, m, barBaselines()})
	if err != nil {
		return nil, fmt.Errorf("hashing the setup: %w", err)
	}
	h := fnv.New64a()
	h.Write(key)
	path := filepath.Join(dir, fmt.Sprintf("%s-%v-%016x.json", name, m.ColdStart, h.Sum64()))
	if b, err := os.ReadFile(path); err == nil {
		var rs []Result
		if err := json.Unmarshal(b, &rs); err == nil {
			return rs, nil
		}
	}
	rs, err := run()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return nil, fmt.Errorf("encoding baselines: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating cache: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, fmt.Errorf("writing cache: %w", err)
	}
	return rs, nil
}

func ratioCell(b Bar) string {
	if math.IsNaN(b.BestViolRatio) {
		return "n/a: no baseline above the floor at shoal's costs (missed)"
	}
	n, ok := 0, 0
	for _, r := range b.Rows {
		if r.BaseExcess >= minExcess {
			n++
			if r.Excess <= 0.5*r.BaseExcess {
				ok++
			}
		}
	}
	return fmt.Sprintf("%.2f (%d of %d) %s", b.BestViolRatio, ok, n, metWord(b.ViolMet))
}

func savingCell(b Bar) string {
	if math.IsNaN(b.BestCostSaving) {
		return "n/a (missed)"
	}
	return fmt.Sprintf("%.1f%% %s", 100*b.BestCostSaving, metWord(b.CostMet))
}

func oracleCell(b Bar) string {
	return fmt.Sprintf("%+.1f%% %s", 100*(b.ShoalCost/b.OracleCost-1), metWord(b.OracleMet))
}

// scatterCell is the σ of the trace's unforeseeable scatter and the least
// cost above oracle it forces on any policy but oracle.
func scatterCell(b Bar) string {
	if !b.Scatter.OK {
		return "n/a"
	}
	if b.Scatter.Cost <= 1 {
		// The 1% of violations allowed would even buy a little less than
		// oracle's capacity: scatter costs nothing here.
		return fmt.Sprintf("σ %.2f: none", b.Scatter.Sigma)
	}
	cell := fmt.Sprintf("σ %.2f: %+.1f%%", b.Scatter.Sigma, 100*(b.Scatter.Cost-1))
	if b.Scatter.Cost > 1.1 {
		cell += " (out of reach)"
	}
	return cell
}

func metWord(ok bool) string {
	if ok {
		return "**MET**"
	}
	return "missed"
}
