package sim

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const genUsage = `usage: shoal sim gen --preset NAME [-o FILE] [--days N] [--seed N] [--bucket 60s]

Writes a synthetic trace in the shoal sim format. Presets:
%s
Flags:
`

func genMain(args []string, stdout, stderr io.Writer) int {
	presets, _ := AllPresets()
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	fs := flag.NewFlagSet("shoal sim gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "", "shape: "+strings.Join(names, ", "))
	out := fs.String("o", "", "output file (default stdout)")
	days := fs.Int("days", 0, "length in days (default: the preset's)")
	seed := fs.Uint64("seed", 0, "random seed (default: the preset's)")
	bucket := fs.Duration("bucket", 0, "bucket width (default: the preset's, 60s)")
	fs.Usage = func() {
		var b strings.Builder
		for _, n := range names {
			p := presets[n]
			fmt.Fprintf(&b, "  %-15s %s, %d days, %v buckets; daily %.0f%%, %s, trend %+.1f%%/day, noise %.2f, bucket scatter %.2f, %d flash crowds, %d outages, %d gaps, %d level shifts%s\n",
				n, PresetSet(n), p.Days, p.Bucket, 100*p.DailyAmp, weekendText(p.WeekendDip), 100*p.TrendPerDay, p.Noise, p.Jitter, p.Flash, p.Outages, p.Gaps, p.Shifts, timersText(p))
		}
		fmt.Fprintf(fs.Output(), genUsage, b.String())
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
	g, ok := presets[*preset]
	if !ok {
		fmt.Fprintf(stderr, "shoal sim gen: --preset %q: want one of %s\n", *preset, strings.Join(names, ", "))
		return 2
	}
	if *days > 0 {
		g.Days = *days
	}
	if *seed > 0 {
		g.Seed = *seed
	}
	if *bucket > 0 {
		g.Bucket = *bucket
	}
	if err := writeGenerated(g, *out, stdout); err != nil {
		fmt.Fprintf(stderr, "shoal sim gen: %v\n", err)
		return 1
	}
	return 0
}

// weekendText describes a preset's weekend against its weekdays: a
// positive WeekendDip is quieter ("weekend -35%"), a negative one busier
// ("weekend +25%").
func weekendText(dip float64) string {
	if dip == 0 {
		return "weekend as weekdays"
	}
	return fmt.Sprintf("weekend %+.0f%%", -100*dip)
}

// timersText lists a preset's timers and scheduled crowds ("" without
// any).
func timersText(g GenSpec) string {
	ts := g.Timers
	if g.PeriodMin > 0 {
		ts = append([]Timer{{Every: g.PeriodMin, Len: g.PeriodLen, X: g.PeriodX}}, ts...)
	}
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, ", ×%g for %d min every %d min", t.X, t.Len, t.Every)
	}
	if m := g.Matches; m != nil {
		fmt.Fprintf(&b, ", %d–%d crowds of ×%g–%g a day on days %d–%d at %v h",
			m.PerDay[0], m.PerDay[1], m.XMin, m.XMax, m.FirstDay, m.LastDay, m.Slots)
	}
	return b.String()
}

func writeGenerated(g GenSpec, path string, stdout io.Writer) error {
	tr, err := Generate(g)
	if err != nil {
		return err
	}
	if path == "" {
		return WriteTrace(stdout, tr)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating trace: %w", err)
	}
	if err := WriteTrace(f, tr); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	return nil
}
