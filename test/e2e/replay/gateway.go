package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// adminClient reads the gateway's admin API.
type adminClient struct{ base string }

func (c *adminClient) getJSON(path string, v any) error {
	resp, err := http.Get(c.base + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decoding: %w", path, err)
	}
	return nil
}

type serviceView struct {
	Name      string `json:"name"`
	Desired   int    `json:"desired"`
	Instances struct {
		Ready    int `json:"ready"`
		Starting int `json:"starting"`
		Draining int `json:"draining"`
	} `json:"instances"`
}

func (c *adminClient) services() (map[string]serviceView, error) {
	var list []serviceView
	if err := c.getJSON("/api/services", &list); err != nil {
		return nil, err
	}
	m := make(map[string]serviceView, len(list))
	for _, s := range list {
		m[s.Name] = s
	}
	return m, nil
}

// waitMin waits until every policy's service has its minimum ready.
func (c *adminClient) waitMin(ctx context.Context, s Setup, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		m, err := c.services()
		ok := err == nil
		for _, p := range s.Policies {
			if ok && m[serviceName(p)].Instances.Ready < s.Min {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("services not at their minimum of %d within %v: %v %v", s.Min, limit, m, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rejected is the activator's count of requests turned away at once
// (queue full): answered fast, but violations all the same.
func (c *adminClient) rejected(svc string) (float64, error) {
	var v struct {
		Activator struct {
			Rejected float64 `json:"rejected_total"`
		} `json:"activator"`
	}
	if err := c.getJSON("/api/services/"+svc, &v); err != nil {
		return 0, err
	}
	return v.Activator.Rejected, nil
}

// coldStart is the autoscaler's measured start-to-ready time.
func (c *adminClient) coldStart(svc string) (time.Duration, error) {
	var v struct {
		Status struct {
			ColdStart time.Duration `json:"cold_start"`
		} `json:"status"`
	}
	if err := c.getJSON("/api/services/"+svc+"/scaling", &v); err != nil {
		return 0, err
	}
	return v.Status.ColdStart, nil
}

func (c *adminClient) metrics() (string, error) {
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		return "", fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET /metrics: %w", err)
	}
	return string(b), nil
}

// latencyCounts sums the service's request-duration histogram over its
// routes: all requests, and those within the SLO (the bucket whose bound
// is the SLO, which must exist).
func latencyCounts(metrics, svc string, slo time.Duration) (total, fast float64, err error) {
	const name = "shoal_http_request_duration_seconds"
	le := `le="` + strconv.FormatFloat(slo.Seconds(), 'g', -1, 64) + `"`
	sel := `service="` + svc + `"`
	foundBucket := false
	sc := bufio.NewScanner(strings.NewReader(metrics))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || !strings.Contains(line, sel) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, perr := strconv.ParseFloat(line[i+1:], 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("metrics line %q: %w", line, perr)
		}
		switch {
		case strings.HasPrefix(line, name+"_count{"):
			total += v
		case strings.HasPrefix(line, name+"_bucket{") && strings.Contains(line, le):
			fast += v
			foundBucket = true
		}
	}
	if !foundBucket && total > 0 {
		return 0, 0, fmt.Errorf("%s has no bucket %s for %s (the SLO must be a bucket bound)", name, le, svc)
	}
	return total, fast, nil
}

// costMeter integrates each service's instances (ready, starting and
// draining, as the simulator charges them) over the trace.
type costMeter struct {
	adm     *adminClient
	s       Setup
	instSec map[string]float64
	peak    map[string]int
}

func newCostMeter(adm *adminClient, s Setup) *costMeter {
	return &costMeter{adm: adm, s: s, instSec: map[string]float64{}, peak: map[string]int{}}
}

// run samples every 250 ms from start to end; each sample stands for the
// time since the previous one.
func (m *costMeter) run(ctx context.Context, start, end time.Time) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	last := start
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if now.Before(start) {
			continue
		}
		if now.After(end) {
			now = end
		}
		svcs, err := m.adm.services()
		if err == nil {
			dt := now.Sub(last).Seconds()
			for _, p := range m.s.Policies {
				v := svcs[serviceName(p)]
				n := v.Instances.Ready + v.Instances.Starting + v.Instances.Draining
				m.instSec[serviceName(p)] += float64(n) * dt
				m.peak[serviceName(p)] = max(m.peak[serviceName(p)], v.Instances.Ready)
			}
			last = now
		}
		if !now.Before(end) {
			return
		}
	}
}
