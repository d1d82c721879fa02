package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseTraceGapsInterpolated(t *testing.T) {
	in := "t_seconds,requests\n# comment\n100,60\n160,120\n340,300\n400,0\n"
	tr, err := ParseTrace(strings.NewReader(in), "x.csv", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{60, 120, 180, 240, 300, 0}
	if len(tr.Counts) != len(want) {
		t.Fatalf("got %d buckets %v, want %d", len(tr.Counts), tr.Counts, len(want))
	}
	for i := range want {
		if tr.Counts[i] != want[i] {
			t.Errorf("bucket %d = %v, want %v", i, tr.Counts[i], want[i])
		}
	}
	if tr.Gaps() != 2 || !tr.Missing[2] || !tr.Missing[3] || tr.Missing[5] {
		t.Errorf("gaps = %d, missing = %v; want 2 missing buckets (2, 3), explicit 0 kept", tr.Gaps(), tr.Missing)
	}
	if tr.Origin != 100 {
		t.Errorf("origin = %d, want 100", tr.Origin)
	}
	var buf bytes.Buffer
	if err := WriteTrace(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := ParseTrace(&buf, "back.csv", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if back.Gaps() != 2 || len(back.Counts) != 6 || back.Counts[3] != 240 {
		t.Errorf("round trip lost gaps: %v %v", back.Counts, back.Missing)
	}
}

func TestParseTraceErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"header", "time,count\n0,1\n", "bad.csv:1: header"},
		{"empty", "", "bad.csv: empty file"},
		{"no rows", "t_seconds,requests\n", "no data rows"},
		{"fields", "t_seconds,requests\n0,1,2\n", "bad.csv:2: want two"},
		{"int", "t_seconds,requests\n0,1\n1.5,3\n", "bad.csv:3: t_seconds \"1.5\" is not an integer"},
		{"order", "t_seconds,requests\n0,1\n60,1\n60,2\n", "bad.csv:4: t_seconds 60 is not after"},
		{"negative count", "t_seconds,requests\n0,1\n60,-4\n", "bad.csv:3: requests -4 is negative"},
		{"nan", "t_seconds,requests\n0,NaN\n", "bad.csv:2: requests \"NaN\" is not a number"},
		{"boundary", "t_seconds,requests\n0,1\n90,1\n", "bad.csv:3: t_seconds 90 is not on a 60s bucket boundary"},
		{"negative t", "t_seconds,requests\n-60,1\n", "bad.csv:2: t_seconds -60 is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTrace(strings.NewReader(c.in), "bad.csv", time.Minute)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := ParseTrace(strings.NewReader("t_seconds,requests\n0,1\n"), "x", 1500*time.Millisecond); err == nil {
		t.Error("a fractional-second bucket was accepted")
	}
}

func TestGenerateDeterministicAndShaped(t *testing.T) {
	g := Presets()["weekly-outage"]
	a, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(g)
	if len(a.Counts) != 28*1440 {
		t.Fatalf("got %d buckets, want %d", len(a.Counts), 28*1440)
	}
	for i := range a.Counts {
		if a.Counts[i] != b.Counts[i] {
			t.Fatalf("bucket %d differs between two runs with one seed", i)
		}
	}
	if a.Gaps() == 0 {
		t.Error("weekly-outage preset has no monitoring gaps")
	}
	// Weekends (days 5, 6) must be quieter than weekdays on average.
	day := func(d int) float64 {
		s := 0.0
		for _, c := range a.Counts[d*1440 : (d+1)*1440] {
			s += c
		}
		return s
	}
	if day(5)+day(6) >= day(1)+day(2) {
		t.Errorf("weekend %v not below weekdays %v", day(5)+day(6), day(1)+day(2))
	}
}
