package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAbortedUploadStaysAbortedUpstream: a client that gives up half way
// through a request body must not look, to the service, like a client that
// finished it. A proxy that turns the client's reset into a clean end of
// body makes the service act on a truncated upload (and, for gRPC, answer a
// cancelled client-streaming call as if it had completed).
func TestAbortedUploadStaysAbortedUpstream(t *testing.T) {
	for _, tc := range []struct {
		name             string
		clientH2, origH2 bool
	}{
		{"http1 to http1", false, false},
		{"h2c to h2c", true, true},
		{"h2c to http1", true, false},
		{"http1 to h2c", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) { abortedUpload(t, tc.clientH2, tc.origH2) })
	}
}

func abortedUpload(t *testing.T, clientH2, origH2 bool) {
	const first = 64 << 10
	gotFirst := make(chan struct{})
	rest := make(chan error, 1)
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadFull(r.Body, make([]byte, first)); err != nil {
			rest <- fmt.Errorf("first part: %w", err)
			return
		}
		close(gotFirst)
		_, err := io.Copy(io.Discard, r.Body)
		rest <- err
	}))
	origin.Config.Protocols = new(http.Protocols)
	origin.Config.Protocols.SetHTTP1(true)
	origin.Config.Protocols.SetUnencryptedHTTP2(origH2)
	origin.Start()
	defer origin.Close()

	upstream := ""
	if origH2 {
		upstream = "\n    upstream: {protocol: h2c}"
	}
	addr := gatewayFromYAML(t, fmt.Sprintf(
		"services:\n  up:\n    endpoints: [%q]%s\nroutes:\n  - {service: up}\n", origin.URL, upstream))

	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetHTTP1(!clientH2)
	tr.Protocols.SetUnencryptedHTTP2(clientH2)
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/upload", pr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("the gateway answered %s to a request the client abandoned", resp.Status)
		}
		done <- err
	}()
	go func() { _, _ = pw.Write(bytes.Repeat([]byte("a"), first)) }()
	select {
	case <-gotFirst:
	case err := <-rest:
		t.Fatalf("origin: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the origin never received the first part of the body")
	}
	// Half way through: the client gives up (RST_STREAM on h2, a closed
	// connection on HTTP/1.1) without ever ending the body.
	cancel()
	select {
	case err := <-rest:
		if err == nil {
			t.Fatal("the origin read a clean end of body after the client abandoned the upload")
		}
		t.Logf("origin saw: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the origin still waits for the body 10 s after the client abandoned it")
	}
	// Go's HTTP/1.1 client returns only once its writer stops reading the
	// body, so the body's source ends too, as a real client's would.
	_ = pw.CloseWithError(context.Canceled)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the client's round trip succeeded after it cancelled")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client's round trip did not end 10 s after it cancelled")
	}
}
