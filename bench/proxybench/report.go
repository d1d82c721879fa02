package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
)

// result is one proxy's line in the report.
type result struct {
	Proxy     string  `json:"proxy"`
	Version   string  `json:"version,omitempty"`
	RPS       float64 `json:"requests_per_sec"`
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	Requests  int64   `json:"requests"`
	Non2xx    int64   `json:"non_2xx"`
	SockErrs  int64   `json:"socket_errors"`
	RPSRatio  float64 `json:"rps_vs_baseline,omitempty"`
	P50Ratio  float64 `json:"p50_vs_baseline,omitempty"`
	P99Ratio  float64 `json:"p99_vs_baseline,omitempty"`
	Error     string  `json:"error,omitempty"`
	Succeeded bool    `json:"ok"`
}

// report is the whole run: the settings that make numbers comparable, then results.
type report struct {
	Time      time.Time `json:"time"`
	Duration  string    `json:"duration_each"`
	Conns     int       `json:"connections"`
	Threads   int       `json:"wrk_threads"`
	BodyBytes int       `json:"body_bytes"`
	ProxyCPU  string    `json:"proxy_cpu"`
	LoadCPU   string    `json:"load_and_origin_cpu"`
	Origin    string    `json:"origin"`
	Baseline  string    `json:"baseline"`
	Results   []result  `json:"results"`
}

func resultFrom(name string, s wrkSummary) result {
	return result{
		Proxy:    name,
		RPS:      s.rps(),
		P50Ms:    s.P50US / 1000,
		P90Ms:    s.P90US / 1000,
		P99Ms:    s.P99US / 1000,
		MaxMs:    s.MaxUS / 1000,
		Requests: s.Requests,
		Non2xx:   s.ErrStatus,
		SockErrs: s.socketErrors(),
	}
}

// setRatios divides every result by the baseline: shoal when it was measured,
// otherwise the first proxy that succeeded. It returns the baseline's name.
func setRatios(rs []result) string {
	base := -1
	for i, r := range rs {
		if r.Succeeded && (base < 0 || r.Proxy == "shoal") {
			base = i
		}
	}
	if base < 0 {
		return ""
	}
	b := rs[base]
	for i := range rs {
		if !rs[i].Succeeded {
			continue
		}
		rs[i].RPSRatio = ratio(rs[i].RPS, b.RPS)
		rs[i].P50Ratio = ratio(rs[i].P50Ms, b.P50Ms)
		rs[i].P99Ratio = ratio(rs[i].P99Ms, b.P99Ms)
	}
	return b.Proxy
}

func ratio(x, base float64) float64 {
	if base == 0 {
		return 0
	}
	return x / base
}

// writeTable prints the human-readable table; ratios are each proxy / baseline.
func writeTable(w io.Writer, rep report) error {
	fmt.Fprintf(w, "\n%s each, %d connections, %d-byte bodies from the %s origin; proxy on CPU %s, wrk+origin on CPU %s\n",
		rep.Duration, rep.Conns, rep.BodyBytes, rep.Origin, rep.ProxyCPU, rep.LoadCPU)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "proxy\treq/s\tp50 ms\tp90 ms\tp99 ms\treq/s vs %s\tp50 vs %s\tp99 vs %s\terrors\t\n",
		rep.Baseline, rep.Baseline, rep.Baseline)
	for _, r := range rep.Results {
		if !r.Succeeded {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\tFAILED\t\n", r.Proxy)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2fx\t%.2fx\t%.2fx\t%d\t\n",
			r.Proxy, r.RPS, r.P50Ms, r.P90Ms, r.P99Ms, r.RPSRatio, r.P50Ratio, r.P99Ratio, r.Non2xx+r.SockErrs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Errors can be long (a build log); list them under the table, not in it.
	for _, r := range rep.Results {
		if r.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Proxy, r.Error)
		}
	}
	return nil
}

func writeJSON(path string, rep report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
