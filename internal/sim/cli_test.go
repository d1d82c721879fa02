package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tinyTrace writes one generated day (per minute) to a temp file.
func tinyTrace(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "day.csv")
	var out bytes.Buffer
	if code := Main([]string{"gen", "--preset", "growth-flash", "--days", "1", "-o", path}, &out, &out); code != 0 {
		t.Fatalf("gen exit %d: %s", code, out.String())
	}
	return path
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

var contractFields = []string{"policy", "requests", "slo_violation_pct", "instance_seconds", "p99_latency_ms",
	"scaling_actions", "cold_starts", "under_provisioned_time_pct", "over_provisioned_time_pct"}

func TestCLIHelpAndUsageErrors(t *testing.T) {
	out, errOut, code := runCLI(t, "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("--help exit %d, stderr %q", code, errOut)
	}
	if strings.Count(out, "usage: shoal sim") != 1 {
		t.Errorf("--help printed the usage %d times", strings.Count(out, "usage: shoal sim"))
	}
	for _, want := range []string{"--trace", "-cold-start", "-seed", "-sweep", "-peak-instances", "t_seconds,requests"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	if _, errOut, code := runCLI(t, "--policy", "hpa"); code != 2 || !strings.Contains(errOut, "--trace is required") {
		t.Errorf("missing --trace: exit %d, %q", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("t_seconds,requests\n0,5\n60,x\n"), 0o644)
	if _, errOut, code := runCLI(t, "--trace", bad); code != 1 || !strings.Contains(errOut, "bad.csv:3:") {
		t.Errorf("bad trace: exit %d, %q; want exit 1 naming bad.csv:3", code, errOut)
	}
	if _, errOut, code := runCLI(t, "--trace", bad, "--policy", "nope"); code != 1 || !strings.Contains(errOut, "unknown policy") {
		t.Errorf("unknown policy: exit %d, %q", code, errOut)
	}
}

func TestCLIJSONOneObject(t *testing.T) {
	tr := tinyTrace(t)
	out, errOut, code := runCLI(t, "--trace", tr, "--bucket", "60s", "--policy", "hpa", "--json", "--cold-start", "30s", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range contractFields {
		if _, ok := obj[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	if obj["policy"] != "hpa" {
		t.Errorf("policy = %v", obj["policy"])
	}
	if obj["peak_instances"].(float64) != 20 || obj["gap_buckets"].(float64) != 0 {
		t.Errorf("peak_instances %v, gap_buckets %v; want 20, 0", obj["peak_instances"], obj["gap_buckets"])
	}
	again, _, _ := runCLI(t, "--trace", tr, "--bucket", "60s", "--policy", "hpa", "--json", "--cold-start", "30s", "--seed", "3")
	if again != out {
		t.Error("two identical invocations printed different JSON")
	}
}

func TestCLICountsGaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gappy.csv")
	os.WriteFile(path, []byte("t_seconds,requests\n0,600\n60,600\n240,900\n300,600\n"), 0o644)
	out, errOut, code := runCLI(t, "--trace", path, "--policy", "static", "--json", "--peak-instances", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatal(err)
	}
	if obj["gap_buckets"].(float64) != 2 || obj["seconds"].(float64) != 360 {
		t.Errorf("gap_buckets %v over %v s, want 2 over 360 s", obj["gap_buckets"], obj["seconds"])
	}
}

func TestCLISweepShape(t *testing.T) {
	tr := tinyTrace(t)
	out, errOut, code := runCLI(t, "--trace", tr, "--policy", "hpa,static,oracle", "--sweep", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(out), &arr); err != nil {
		t.Fatalf("not a JSON array: %v", err)
	}
	m := DefaultModel()
	want := len(SweepTargets("hpa", "concurrency", m)) + 1 + len(SweepTargets("oracle", "concurrency", m))
	if len(arr) != want {
		t.Fatalf("got %d points, want %d", len(arr), want)
	}
	seen := map[string]map[float64]bool{}
	for _, o := range arr {
		for _, k := range append(contractFields, "target") {
			if _, ok := o[k]; !ok {
				t.Errorf("point %v lacks %q", o["policy"], k)
			}
		}
		p := o["policy"].(string)
		if seen[p] == nil {
			seen[p] = map[float64]bool{}
		}
		seen[p][o["target"].(float64)] = true
	}
	if len(seen["hpa"]) != len(SweepTargets("hpa", "concurrency", m)) {
		t.Errorf("hpa targets not distinct: %v", seen["hpa"])
	}
	// More capacity per instance target means fewer instance-seconds.
	var prevCost float64
	for _, o := range arr {
		if o["policy"] == "oracle" {
			c := o["instance_seconds"].(float64)
			if prevCost > 0 && c > prevCost {
				t.Errorf("oracle cost rose with the target: %v after %v", c, prevCost)
			}
			prevCost = c
		}
	}
}

func TestCLIAllPoliciesTableAndPlot(t *testing.T) {
	tr := tinyTrace(t)
	plot := filepath.Join(t.TempDir(), "tl.svg")
	out, errOut, code := runCLI(t, "--trace", tr, "--policy", "all", "--plot", plot)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, p := range []string{"shoal", "hpa", "kpa", "weekago", "static", "oracle"} {
		if !strings.Contains(out, "\n"+p+" ") {
			t.Errorf("table lacks %s:\n%s", p, out)
		}
	}
	svg, err := os.ReadFile(plot)
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("polyline")) {
		t.Errorf("plot is not an SVG with lines (err %v)", err)
	}
	curves := filepath.Join(t.TempDir(), "c.svg")
	if _, errOut, code := runCLI(t, "--trace", tr, "--policy", "hpa,kpa", "--sweep", "--targets", "6,8", "--plot", curves); code != 0 {
		t.Fatalf("sweep plot exit %d: %s", code, errOut)
	}
	if svg, err := os.ReadFile(curves); err != nil || !bytes.Contains(svg, []byte("instance-hours")) {
		t.Errorf("curves plot missing or unlabeled (err %v)", err)
	}
}

// The default model has no floor (every violation is the policy's); a
// heavier tail has one, and the table says that violate% includes it.
func TestCLITableNamesTheFloor(t *testing.T) {
	tr := tinyTrace(t)
	out, errOut, code := runCLI(t, "--trace", tr, "--policy", "hpa")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "lognormal (σ 0.3)") || strings.Contains(out, "floor:") {
		t.Errorf("default model: want σ 0.3 named and no floor line:\n%s", out)
	}
	out, errOut, code = runCLI(t, "--trace", tr, "--policy", "hpa", "--sigma", "0.5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.FloorViolPct < 0.025 || r.FloorViolPct > 0.027 || r.ExcessViolPct != round(max(0, r.SLOViolationPct-r.FloorViolPct), 4) {
		t.Errorf("σ 0.5: floor %.4f%% (want 0.0261%%), excess %.4f%% of %.4f%%", r.FloorViolPct, r.ExcessViolPct, r.SLOViolationPct)
	}
	out, _, _ = runCLI(t, "--trace", tr, "--policy", "hpa", "--sigma", "0.5")
	if !strings.Contains(out, "floor: 0.0261% of requests") {
		t.Errorf("σ 0.5: the table should name the 0.0261%% floor:\n%s", out)
	}
}

func TestCLIBarUsage(t *testing.T) {
	out, errOut, code := runCLI(t, "bar", "--help")
	if code != 0 || errOut != "" || !strings.Contains(out, "shoal sim bar") || !strings.Contains(out, "-cache") {
		t.Fatalf("bar --help: exit %d, stderr %q, out %q", code, errOut, out)
	}
	if _, errOut, code := runCLI(t, "bar", "--traces", "nope"); code != 2 || !strings.Contains(errOut, "unknown trace") {
		t.Fatalf("bar with an unknown trace: exit %d, %q", code, errOut)
	}
}

// bar runs on trace files as on presets: the same trace gives the same row
// whether generated or read, the baselines are cached by the file's
// content (a new trace under the same name is swept afresh), and a bad
// file is named before anything runs.
func TestCLIBarOnTraceFiles(t *testing.T) {
	dir := t.TempDir()
	g := GenSpec{Days: 1, Bucket: time.Minute, Seed: 7, BaseRPS: 200, DailyAmp: 0.5, Noise: 0.05, Flash: 2, FlashMin: 2, FlashX: 3}
	tr, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "day.csv")
	writeTraceFile(t, path, tr)
	cache := filepath.Join(dir, "cache")
	out, errOut, code := runCLI(t, "bar", "--trace", path, "--bucket", "60s", "--cache", cache, "--detail")
	if code != 0 {
		t.Fatalf("bar --trace: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "| day.csv | file | ") || !strings.Contains(out, "within 10% of oracle's cost") {
		t.Fatalf("bar --trace output lacks the file's row or its detail:\n%s", out)
	}
	if strings.Contains(out, "| bursty |") {
		t.Errorf("presets ran although only --trace was given:\n%s", out)
	}
	// The same trace, generated in memory, gives the same comparison.
	b, err := barFor(barTrace{name: "day.csv", set: "file", trace: tr, key: traceKey(tr)}, DefaultModel(), barPeak, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("| day.csv | file | %s | %s | %s |", ratioCell(b), savingCell(b), oracleCell(b)); !strings.Contains(out, want) {
		t.Errorf("file row differs from the in-memory trace's %q:\n%s", want, out)
	}
	cached, _ := os.ReadDir(cache)
	if len(cached) != 1 {
		t.Fatalf("want one cached baseline sweep, got %d", len(cached))
	}
	// Another trace under the same name is not served the old baselines.
	g.Seed, g.FlashX = 8, 6
	tr2, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	writeTraceFile(t, path, tr2)
	if _, errOut, code := runCLI(t, "bar", "--trace", path, "--cache", cache); code != 0 {
		t.Fatalf("bar --trace on the new trace: exit %d: %s", code, errOut)
	}
	if cached, _ = os.ReadDir(cache); len(cached) != 2 {
		t.Errorf("a changed trace reused the cached baselines (%d files)", len(cached))
	}
	// Another rescale is swept apart from the default's, and compares
	// other instance-hours.
	out50, errOut, code := runCLI(t, "bar", "--trace", path, "--cache", cache, "--peak-instances", "50", "--detail")
	if code != 0 {
		t.Fatalf("bar --peak-instances 50: exit %d: %s", code, errOut)
	}
	if cached, _ = os.ReadDir(cache); len(cached) != 3 {
		t.Errorf("the rescale reused another's cached baselines (%d files)", len(cached))
	}
	if _, errOut, code := runCLI(t, "bar", "--trace", path, "--peak-instances", "0"); code != 2 || !strings.Contains(errOut, "--peak-instances 0") {
		t.Errorf("--peak-instances 0: exit %d, %q", code, errOut)
	}
	oracleLine := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "within 10% of oracle's cost") {
				return l
			}
		}
		return ""
	}
	if a, b := oracleLine(out), oracleLine(out50); a == "" || a == b {
		t.Errorf("the oracle comparison at 50 instances %q repeats the one at 20 %q", b, a)
	}
	// A file that is not a trace is named, and nothing runs.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("t_seconds,requests\n0,5\n30,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "bar", "--trace", bad+","+path)
	if code != 1 || !strings.Contains(errOut, "bad.csv:3") || strings.Contains(out, "|") {
		t.Errorf("bad trace file: exit %d, stderr %q, out %q", code, errOut, out)
	}
}

func writeTraceFile(t *testing.T, path string, tr *Trace) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTrace(&buf, tr); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The held-out presets are generated like the others, and the outage mix
// of retail-outages has return surges of different sizes.
func TestHeldOutPresets(t *testing.T) {
	all, held := AllPresets()
	for _, n := range []string{"wiki-hourly", "azure-functions", "retail-outages"} {
		if !held[n] {
			t.Errorf("%s is not held out", n)
		}
	}
	for n := range Presets() {
		if held[n] {
			t.Errorf("tuning preset %s marked held out", n)
		}
	}
	g := all["wiki-hourly"]
	g.Days = 2
	tr, err := Generate(g)
	if err != nil || tr.Bucket != time.Hour || len(tr.Counts) != 48 {
		t.Fatalf("wiki-hourly: %v, bucket %v, %d rows; want 48 hourly rows", err, tr.Bucket, len(tr.Counts))
	}
	g = all["azure-functions"]
	g.Days, g.Flash, g.Noise = 1, 0, 0
	tr, _ = Generate(g)
	if r := tr.Counts[15] / tr.Counts[14]; r < 1.5 || r > 2.1 {
		t.Errorf("azure-functions: minute 15 / minute 14 = %.2f, want the ×1.8 timer spike", r)
	}
}

// --markdown turns a sweep into the docs' table (one row per policy) and
// the bar block in a code fence.
func TestCLISweepMarkdown(t *testing.T) {
	tr := tinyTrace(t)
	out, errOut, code := runCLI(t, "--trace", tr, "--policy", "shoal,hpa,static", "--sweep", "--targets", "6,8", "--markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "| policy | target | instance-hours |") || !strings.HasPrefix(lines[1], "|---|") {
		t.Fatalf("no markdown header:\n%s", out)
	}
	rows := 0
	for _, l := range lines[2:] {
		if strings.HasPrefix(l, "| ") {
			rows++
		}
	}
	if rows != 3 || !strings.Contains(out, "| static | — |") {
		t.Fatalf("want one row each for shoal, hpa and static:\n%s", out)
	}
	if !strings.Contains(out, "```\nbar (violations above") || !strings.HasSuffix(out, "```\n") {
		t.Fatalf("bar block not fenced:\n%s", out)
	}
}
