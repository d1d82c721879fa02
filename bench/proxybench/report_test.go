package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRatiosAreRelativeToShoal(t *testing.T) {
	rs := []result{
		{Proxy: "go-reverseproxy", RPS: 5000, P50Ms: 2, P99Ms: 8, Succeeded: true},
		{Proxy: "shoal", RPS: 10000, P50Ms: 1, P99Ms: 4, Succeeded: true},
		{Proxy: "nginx", Error: "nginx not installed"},
	}
	if base := setRatios(rs); base != "shoal" {
		t.Fatalf("baseline = %q, want shoal", base)
	}
	if rs[0].RPSRatio != 0.5 || rs[0].P50Ratio != 2 || rs[0].P99Ratio != 2 {
		t.Errorf("go-reverseproxy ratios = %v %v %v, want 0.5 2 2", rs[0].RPSRatio, rs[0].P50Ratio, rs[0].P99Ratio)
	}
	if rs[1].RPSRatio != 1 || rs[2].RPSRatio != 0 {
		t.Errorf("shoal ratio %v (want 1), failed nginx ratio %v (want 0)", rs[1].RPSRatio, rs[2].RPSRatio)
	}
}

func TestRatiosFallBackWhenShoalFailed(t *testing.T) {
	rs := []result{
		{Proxy: "shoal", Error: "go build ./cmd/shoal: failed"},
		{Proxy: "go-reverseproxy", RPS: 5000, P50Ms: 2, P99Ms: 8, Succeeded: true},
		{Proxy: "nginx", RPS: 15000, P50Ms: 1, P99Ms: 4, Succeeded: true},
	}
	if base := setRatios(rs); base != "go-reverseproxy" {
		t.Fatalf("baseline = %q, want go-reverseproxy", base)
	}
	if rs[2].RPSRatio != 3 {
		t.Errorf("nginx ratio = %v, want 3", rs[2].RPSRatio)
	}
	if setRatios([]result{{Proxy: "shoal"}}) != "" {
		t.Error("no successful result must give no baseline")
	}
}

func TestTableListsErrorsBelow(t *testing.T) {
	rep := report{Duration: "1s", Baseline: "shoal", Results: []result{
		{Proxy: "shoal", RPS: 1234, Succeeded: true, RPSRatio: 1},
		{Proxy: "haproxy", Error: "haproxy not installed"},
	}}
	var buf bytes.Buffer
	if err := writeTable(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"1234", "FAILED", "haproxy: haproxy not installed", "req/s vs shoal"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
