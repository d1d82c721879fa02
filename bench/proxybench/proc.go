package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// process is one program the harness started; it is stopped by its own PID only.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the Wait result, valid once done is closed
}

// start runs argv pinned to cpu (empty: not pinned), with output to logPath.
func start(name, cpu, logPath string, argv ...string) (*process, error) {
	if cpu != "" {
		argv = append([]string{"taskset", "-c", cpu}, argv...)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating log for %s: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to exit (SIGTERM; nginx and haproxy treat it as a fast
// shutdown) and kills it if it is still there after a grace period. taskset execs the
// program, so the PID is the program's own.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// startOnFreePort starts a server on a loopback port chosen just before,
// and again on another port when another program took the port between the
// choice and the server's bind (its log says so). argv builds the command
// line for a host:port. It returns the process and its host:port once the
// server answers 200 with wantBytes.
func startOnFreePort(ctx context.Context, name, cpu, logPath string, wantBytes int,
	argv func(listen string) ([]string, error)) (*process, string, error) {
	var errs []error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, "", err
		}
		listen := hostPort(port)
		args, err := argv(listen)
		if err != nil {
			return nil, "", err
		}
		p, err := start(name, cpu, logPath, args...)
		if err != nil {
			return nil, "", err
		}
		err = waitOK(ctx, p, "http://"+listen+"/", wantBytes, 10*time.Second)
		if err == nil {
			return p, listen, nil
		}
		p.stop()
		errs = append(errs, err)
		if !bindFailed(logPath) {
			break
		}
	}
	return nil, "", errors.Join(errs...)
}

// bindFailed reports whether a server's log says its port was taken (Go,
// nginx and haproxy all print the text of EADDRINUSE, in either case).
func bindFailed(logPath string) bool {
	b, err := os.ReadFile(logPath)
	return err == nil && bytes.Contains(bytes.ToLower(b), []byte("address already in use"))
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitAddrFile waits for a program to publish its bound address in a file.
func waitAddrFile(p *process, path string, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b), nil
		}
		if p.exited() {
			return "", fmt.Errorf("%s exited at start: %v", p.name, p.err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("%s did not publish its address within %s", p.name, limit)
}

// waitOK polls url until it answers 200 with a body of wantBytes, the proof that a
// proxy is up and really forwards to the origin.
func waitOK(ctx context.Context, p *process, url string, wantBytes int, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	last := errors.New("no attempt")
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited at start: %v", p.name, p.err)
		}
		if last = getOnce(ctx, client, url, wantBytes); last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s never answered 200 with %d bytes: %w", p.name, wantBytes, last)
}

func getOnce(ctx context.Context, client *http.Client, url string, wantBytes int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if len(body) != wantBytes {
		return fmt.Errorf("body of %d bytes, want %d", len(body), wantBytes)
	}
	return nil
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
