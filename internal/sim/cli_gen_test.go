package sim

import (
	"strings"
	"testing"
)

// presetLine returns the line of `shoal sim gen --help` that describes the
// named preset.
func presetLine(t *testing.T, help, name string) string {
	t.Helper()
	for _, l := range strings.Split(help, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return l
		}
	}
	t.Fatalf("gen --help lists no preset %q:\n%s", name, help)
	return ""
}

func TestGenHelpSignsTheWeekend(t *testing.T) {
	help, errOut, code := runCLI(t, "gen", "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("gen --help exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(help, "weekend --") {
		t.Errorf("gen --help prints a double minus for a busier weekend:\n%s", help)
	}
	// retail-outages is busier at weekends (WeekendDip -0.25), diurnal
	// quieter (0.35).
	if l := presetLine(t, help, "retail-outages"); !strings.Contains(l, "weekend +25%") {
		t.Errorf("busier weekend shown as %q, want \"weekend +25%%\"", l)
	}
	if l := presetLine(t, help, "diurnal"); !strings.Contains(l, "weekend -35%") {
		t.Errorf("quieter weekend shown as %q, want \"weekend -35%%\"", l)
	}
	if got := weekendText(0); got != "weekend as weekdays" {
		t.Errorf("no dip shown as %q", got)
	}
}

// Timers are listed, the single PeriodMin timer and the Timers list alike.
func TestGenHelpListsTimers(t *testing.T) {
	help, _, _ := runCLI(t, "gen", "--help")
	if l := presetLine(t, help, "azure-functions"); !strings.Contains(l, "×1.8 for 1 min every 15 min") {
		t.Errorf("azure-functions shown as %q, want its 15-minute timer", l)
	}
	l := presetLine(t, help, "interval-timers")
	if !strings.Contains(l, "×2.2 for 1 min every 7 min, ×1.6 for 3 min every 50 min") {
		t.Errorf("interval-timers shown as %q, want both timers", l)
	}
	if l := presetLine(t, help, "cron-timers"); !strings.Contains(l, "every 5 min") || !strings.Contains(l, "every 60 min") {
		t.Errorf("cron-timers shown as %q, want its 5-, 15- and 60-minute timers", l)
	}
	if l := presetLine(t, help, "diurnal"); strings.Contains(l, "every") {
		t.Errorf("diurnal shown as %q, want no timer", l)
	}
}
