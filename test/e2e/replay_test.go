package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/test/e2e/replay"
)

// TestLiveGatewayRanksPoliciesLikeTheSimulator replays a compressed day
// (150 s, peak 90 requests/s, policies' time constants ×0.1) through a live
// gateway with one examples/echo service per policy, then through the
// simulator with the same policies, service model and measured cold
// starts, and requires the same ranking of shoal, hpa and kpa (violations
// first, cost where violations tie; a tie is a difference within the range
// the simulator's results span over 8 seeds, the noise of a single run).
// It also requires that the generator's every request was answered, within
// the wait timeout plus the service time plus slack, and that the gateway
// counted exactly the requests sent.
//
// About three minutes on two cores, so it runs only with
// SHOAL_TRACE_REPLAY=1 (scripts/test.sh sets it once, without -race).
func TestLiveGatewayRanksPoliciesLikeTheSimulator(t *testing.T) {
	if os.Getenv("SHOAL_TRACE_REPLAY") != "1" {
		t.Skip("set SHOAL_TRACE_REPLAY=1 to replay a trace through the live gateway (about 3 minutes)")
	}
	var log strings.Builder
	s := replay.Setup{EchoBin: echoBin, Trace: replay.DayTrace(150*time.Second, 90, 1), Log: &log}.WithDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	live, err := replay.RunLive(ctx, s)
	if err != nil {
		t.Fatalf("live run: %v\n%s", err, log.String())
	}
	coldStarts := map[string]time.Duration{}
	limit := s.WaitTimeout + s.ServiceTime + 2*time.Second
	for _, o := range live {
		coldStarts[o.Policy] = o.ColdStart
		c := o.Client
		t.Logf("live %s: %+v", o.Policy, c)
		if c.Errors != 0 || c.Other != 0 || c.Dropped != 0 {
			t.Errorf("%s: %d transport errors or client timeouts, %d unexpected statuses, %d dropped (want none)", o.Policy, c.Errors, c.Other, c.Dropped)
		}
		if c.MaxLatency > limit {
			t.Errorf("%s: slowest answer %v, beyond wait timeout + service time + 2 s (%v)", o.Policy, c.MaxLatency, limit)
		}
		if int64(o.Requests) != c.Sent {
			t.Errorf("%s: the gateway counted %.0f requests, the generator sent %d", o.Policy, o.Requests, c.Sent)
		}
	}
	spreads, err := replay.RunSimSeeds(s, coldStarts, 8)
	if err != nil {
		t.Fatal(err)
	}
	var tables strings.Builder
	replay.WriteTable(&tables, live)
	replay.WriteSimTable(&tables, spreads)
	liveRank, simRank := replay.Rankings(live, spreads)
	t.Logf("\n%sranking live: %s; simulated: %s", tables.String(), liveRank, simRank)
	for _, d := range replay.Disagreements(live, spreads) {
		t.Errorf("live and simulated rankings disagree: %s", d)
	}
}
