package local

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// LogLine is one line of an instance's output (or a note from Shoal about
// it: starts, exits, signals, with Stream "shoal").
type LogLine struct {
	Time     time.Time
	Instance string
	Stream   string // stdout, stderr or shoal
	Text     string
}

const (
	defaultLogLimit = 100
	maxLogLimit     = 10000
)

// Logs returns the newest lines of a service's instance logs, oldest first:
// of one instance when instanceID is set, else of all instances merged by
// time (stopped ones included while their files exist). contains filters
// lines by a case-sensitive substring. limit ≤ 0 means 100; at most 10000.
func (m *Manager) Logs(service, instanceID, contains string, limit int) ([]LogLine, error) {
	if err := checkServiceName(service); err != nil {
		return nil, err
	}
	if instanceID != "" && (strings.ContainsAny(instanceID, `/\`) || strings.HasPrefix(instanceID, ".")) {
		return nil, fmt.Errorf("invalid instance id %q", instanceID)
	}
	if limit <= 0 {
		limit = defaultLogLimit
	}
	limit = min(limit, maxLogLimit)
	m.mu.Lock()
	svc := m.services[service]
	var spec Spec
	if svc != nil {
		spec = svc.spec
	}
	m.mu.Unlock()
	if svc == nil {
		return nil, fmt.Errorf("logs: no service %s in the local runtime", service)
	}
	dir := filepath.Join(m.logDir(spec), service)
	ids, err := logInstanceIDs(dir, instanceID)
	if err != nil {
		return nil, err
	}
	var lines []LogLine
	for _, id := range ids {
		for _, name := range []string{id + ".log.1", id + ".log"} {
			got, err := readLogFile(filepath.Join(dir, name), id, contains)
			if err != nil {
				return nil, err
			}
			lines = append(lines, got...)
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	if len(lines) > limit {
		lines = lines[len(lines)-limit:]
	}
	return lines, nil
}

// logInstanceIDs lists the instances that have logs in dir.
func logInstanceIDs(dir, only string) ([]string, error) {
	if only != "" {
		if _, err := os.Stat(filepath.Join(dir, only+".log")); err != nil {
			return nil, fmt.Errorf("logs: no log for instance %s", only)
		}
		return []string{only}, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing instance logs: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".log"); ok && !e.IsDir() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func readLogFile(path, id, contains string) ([]LogLine, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading instance log: %w", err)
	}
	defer f.Close()
	var out []LogLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes+256)
	for sc.Scan() {
		ll, ok := parseLogLine(sc.Text(), id)
		if ok && strings.Contains(ll.Text, contains) {
			out = append(out, ll)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading instance log %s: %w", path, err)
	}
	return out, nil
}

func parseLogLine(s, id string) (LogLine, bool) {
	ts, rest, ok := strings.Cut(s, " ")
	if !ok {
		return LogLine{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return LogLine{}, false
	}
	stream, text, _ := strings.Cut(rest, " ")
	return LogLine{Time: t, Instance: id, Stream: stream, Text: text}, true
}
