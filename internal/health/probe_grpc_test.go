package health

import (
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// startGRPC runs a real grpc-go server with the standard health service.
func startGRPC(t *testing.T) (addr string, hs *grpchealth.Server, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs = grpchealth.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			srv.Stop()
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), hs, stop
}

func TestGRPCProbeStatuses(t *testing.T) {
	addr, hs, _ := startGRPC(t)
	hs.SetServingStatus("orders", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("billing", healthpb.HealthCheckResponse_NOT_SERVING)
	cases := []struct {
		service string
		errPart string // "" means pass
	}{
		{"", ""}, // grpc-go's health server reports the server itself SERVING
		{"orders", ""},
		{"billing", "NOT_SERVING"},
		{"missing", "NotFound"},
	}
	for _, tc := range cases {
		p, err := GRPCCheck{Service: tc.service}.NewProbe(addr)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Check(t.Context())
		if err := p.Close(); err != nil {
			t.Error(err)
		}
		switch {
		case tc.errPart == "" && err != nil:
			t.Errorf("service %q: %v", tc.service, err)
		case tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart)):
			t.Errorf("service %q: err %v, want one containing %q", tc.service, err, tc.errPart)
		}
	}
}

func TestGRPCNotServingGoesUnhealthy(t *testing.T) {
	base := runtime.NumGoroutine()
	addr, hs, stopServer := startGRPC(t)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_SERVING)
	sink := newRecordSink()
	c, err := NewChecker(CheckerOptions{
		Service:            "api",
		Probe:              GRPCCheck{Service: "api"},
		Interval:           30 * time.Millisecond,
		Timeout:            25 * time.Millisecond,
		HealthyThreshold:   2,
		UnhealthyThreshold: 2,
		Sink:               sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update([]string{addr}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(t.Context()) }()

	sink.waitFor(t, addr, true, 2*time.Second)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_NOT_SERVING)
	sink.waitFor(t, addr, false, 2*time.Second)
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_SERVING)
	sink.waitFor(t, addr, true, 2*time.Second)
	// A server that goes away altogether is unhealthy too.
	stopServer()
	sink.waitFor(t, addr, false, 2*time.Second)

	c.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Stop closed the probe's channel: no gRPC goroutine outlives it.
	checkNoLeak(t, base)
}
