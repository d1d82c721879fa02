// Command replay plays a compressed day through a live Shoal gateway once
// per policy and through the simulator, and prints both tables and
// rankings (docs/autoscaling.md, "Live gateway vs simulator"):
//
//	go run ./test/e2e/replay/cmd/replay                 # about 3 minutes
//	go run ./test/e2e/replay/cmd/replay -sim-only       # the simulator side only
//	go run ./test/e2e/replay/cmd/replay -trace-out day.csv
//
// It binds 127.0.0.1 only and stops every process it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/shoal-gw/shoal/internal/sim"
	"github.com/shoal-gw/shoal/test/e2e/replay"
)

func main() {
	length := flag.Duration("length", 150*time.Second, "length of the compressed day")
	peak := flag.Float64("peak", 90, "requests per second at the peak")
	seed := flag.Uint64("seed", 1, "seed of the trace's counts")
	seeds := flag.Int("sim-seeds", 8, "request-engine seeds whose range is the noise of one run")
	traceOut := flag.String("trace-out", "", "also write the trace as `shoal sim` CSV (--bucket 1s)")
	simOnly := flag.Bool("sim-only", false, "skip the live run (cold starts: the config's hint)")
	flag.Parse()
	if err := run(*length, *peak, *seed, *seeds, *traceOut, *simOnly); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(length time.Duration, peak float64, seed uint64, seeds int, traceOut string, simOnly bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s := replay.Setup{Trace: replay.DayTrace(length, peak, seed), Log: os.Stderr}.WithDefaults()
	if traceOut != "" {
		if err := writeTrace(traceOut, s.Trace); err != nil {
			return err
		}
	}
	coldStarts := map[string]time.Duration{}
	var live []replay.Outcome
	if !simOnly {
		dir, err := os.MkdirTemp("", "shoal-replay-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s.EchoBin = filepath.Join(dir, "echo")
		if out, err := exec.Command("go", "build", "-o", s.EchoBin, "github.com/shoal-gw/shoal/examples/echo").CombinedOutput(); err != nil {
			return fmt.Errorf("building examples/echo: %w\n%s", err, out)
		}
		live, err = replay.RunLive(ctx, s)
		if err != nil {
			return err
		}
		fmt.Println("Live gateway")
		fmt.Println()
		replay.WriteTable(os.Stdout, live)
		for _, o := range live {
			coldStarts[o.Policy] = o.ColdStart
			fmt.Printf("client view, %s: %+v\n", o.Policy, o.Client)
		}
		fmt.Println()
	}
	spreads, err := replay.RunSimSeeds(s, coldStarts, seeds)
	if err != nil {
		return err
	}
	fmt.Printf("Simulator, request engine, %d seeds\n\n", seeds)
	replay.WriteSimTable(os.Stdout, spreads)
	fluid, err := replay.RunSim(s, coldStarts, "fluid")
	if err != nil {
		return err
	}
	fmt.Printf("Simulator, fluid engine (for reference)\n\n")
	replay.WriteTable(os.Stdout, fluid)
	liveRank, simRank := replay.Rankings(live, spreads)
	fmt.Printf("ranking, simulator: %s\n", simRank)
	if live != nil {
		fmt.Printf("ranking, live:      %s\n", liveRank)
		dis := replay.Disagreements(live, spreads)
		for _, d := range dis {
			fmt.Println("disagreement:", d)
		}
		if len(dis) == 0 {
			fmt.Println("the rankings agree")
		}
	}
	return nil
}

func writeTrace(path string, tr *sim.Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := replay.WriteCSV(f, tr); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
