package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The 16 standard cases grpc-go's interop client runs without TLS or
// credentials.
var interopCases = []string{
	"empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong",
	"empty_stream", "timeout_on_sleeping_server", "cancel_after_begin",
	"cancel_after_first_response", "custom_metadata", "status_code_and_message",
	"special_status_message", "unimplemented_method", "unimplemented_service",
	"rpc_soak", "channel_soak",
}

// interopReps is how often each case runs; flaky trailer handling shows up
// as an occasional failure, so once is not enough. SHOAL_GRPC_INTEROP_REPS
// overrides it.
func interopReps() int {
	if n, err := strconv.Atoi(os.Getenv("SHOAL_GRPC_INTEROP_REPS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// TestGRPCInteropThroughGateway runs grpc-go's interop client through the
// gateway's h2c listener and a configured route to a service with upstream
// protocol h2c, to grpc-go's
// interop TestService: trailers, trailers-only answers, streaming both ways,
// deadlines and cancellation.
func TestGRPCInteropThroughGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external processes")
	}
	client := tool(t, "grpc-interop-client", "google.golang.org/grpc/interop/client")
	server := sharedInterop(t)
	backend := freeAddr(t)
	startProcess(t, server, "-mode", "server", "-addr", backend)
	waitListening(t, backend)
	// The whole gateway as `shoal run` builds it: routing, the route
	// chain (resilience, signals) and the service's h2c upstream.
	addr := gatewayFromYAML(t, fmt.Sprintf(
		"services:\n  interop:\n    endpoints: [\"http://%s\"]\n    upstream: {protocol: h2c}\nroutes:\n  - {service: interop}\n", backend))
	_, port, _ := net.SplitHostPort(addr)

	reps := interopReps()
	type job struct{ c string }
	jobs := make(chan job)
	var mu sync.Mutex
	failures := map[string]int{}
	var firstErr []string
	raced := 0
	runCase := func(c string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return exec.CommandContext(ctx, client, "-server_host", "127.0.0.1", "-server_port", port,
			"-test_case", c, "-soak_iterations", "5").CombinedOutput()
	}
	var wg sync.WaitGroup
	// Two runners: the machine has two cores, and parallel clients also
	// exercise the gateway's connection handling.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				out, err := runCase(j.c)
				// cancel_after_begin cancels and then half-closes; if the
				// whole answer comes back before the client's own goroutine
				// notices the cancel, grpc-go hands out the answer it already
				// holds (internal/transport readClient and waitOnHeader pick
				// at random between ctx.Done and received data), so the call
				// ends OK. Only a client that sent END_STREAM can see an
				// answer at all, so this is the client's race, not a lost
				// cancel; a case that loses it three times in a row fails.
				for try := 0; err != nil && j.c == "cancel_after_begin" && try < 2 &&
					strings.Contains(string(out), "got error code 0, want 1"); try++ {
					mu.Lock()
					raced++
					mu.Unlock()
					out, err = runCase(j.c)
				}
				if err != nil {
					mu.Lock()
					failures[j.c]++
					if len(firstErr) < 3 {
						firstErr = append(firstErr, fmt.Sprintf("%s: %v\n%s", j.c, err, lastLines(string(out), 5)))
					}
					mu.Unlock()
				}
			}
		}()
	}
	start := time.Now()
	cases := interopCases
	if only := os.Getenv("SHOAL_GRPC_INTEROP_CASES"); only != "" {
		cases = strings.Split(only, ",")
	}
	for r := 0; r < reps; r++ {
		for _, c := range cases {
			jobs <- job{c}
		}
	}
	close(jobs)
	wg.Wait()
	total := 0
	for _, n := range failures {
		total += n
	}
	t.Logf("grpc-interop through the gateway: %d cases × %d runs, %d failed, %d cancel_after_begin reruns after the client's own race, %s",
		len(cases), reps, total, raced, time.Since(start).Round(time.Millisecond))
	if total > 0 {
		t.Errorf("failures by case: %v\n%s", failures, strings.Join(firstErr, "\n"))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
