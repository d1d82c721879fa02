// Package sim replays a request-rate trace against Shoal's autoscaling
// policies (internal/autoscale) with a model of the service: concurrent slots
// per instance, a service-time distribution, cold start, actuation delay,
// graceful drain and a FIFO queue at the gateway with a timeout.
//
// Two engines share the model and the instance lifecycle: a per-second fluid
// engine (queueing theory for the steady parts, a FIFO fluid backlog for
// overloads) that replays months of trace in seconds, and a request-level
// discrete-event engine used on short slices to check the fluid one.
package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Trace is a request-count series in fixed-width buckets. Buckets that had no
// row in the file are marked missing: a gap is missing data, not zero traffic.
type Trace struct {
	Name   string
	Bucket time.Duration
	// Counts[i] is the number of requests in bucket i (bucket i starts at
	// Origin + i*Bucket seconds). Missing buckets hold the value filled in by
	// FillGaps (0 before filling).
	Counts  []float64
	Missing []bool
	// Origin is the t_seconds of the first row.
	Origin int64
}

// Gaps reports how many buckets had no row.
func (t *Trace) Gaps() int {
	n := 0
	for _, m := range t.Missing {
		if m {
			n++
		}
	}
	return n
}

// Duration is the length of the trace.
func (t *Trace) Duration() time.Duration {
	return time.Duration(len(t.Counts)) * t.Bucket
}

// ReadTraceFile opens and parses a trace file.
func ReadTraceFile(path string, bucket time.Duration) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening trace: %w", err)
	}
	defer f.Close()
	return ParseTrace(f, path, bucket)
}

// ParseTrace reads the CSV format of DESIGN.md §4: a header
// `t_seconds,requests`, then rows with strictly increasing integer bucket
// starts and non-negative request counts. Errors name name:line. Bucket starts
// must be multiples of the bucket width away from the first row; gaps are
// recorded in Missing and filled by linear interpolation (see FillGaps).
func ParseTrace(r io.Reader, name string, bucket time.Duration) (*Trace, error) {
	if bucket < time.Second || bucket%time.Second != 0 {
		return nil, fmt.Errorf("bucket width %v: must be a whole number of seconds ≥ 1s", bucket)
	}
	width := int64(bucket / time.Second)
	tr := &Trace{Name: name, Bucket: bucket}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	sawHeader := false
	var last int64
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !sawHeader {
			h := strings.ReplaceAll(strings.TrimPrefix(text, "\ufeff"), " ", "")
			if h != "t_seconds,requests" {
				return nil, fmt.Errorf("%s:%d: header must be \"t_seconds,requests\", got %q", name, line, text)
			}
			sawHeader = true
			continue
		}
		ts, n, err := parseRow(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if len(tr.Counts) == 0 {
			tr.Origin = ts
		} else {
			if ts <= last {
				return nil, fmt.Errorf("%s:%d: t_seconds %d is not after the previous row's %d", name, line, ts, last)
			}
			if (ts-tr.Origin)%width != 0 {
				return nil, fmt.Errorf("%s:%d: t_seconds %d is not on a %ds bucket boundary from the first row (%d)", name, line, ts, width, tr.Origin)
			}
			for gap := (ts - last) / width; gap > 1; gap-- {
				tr.Counts = append(tr.Counts, 0)
				tr.Missing = append(tr.Missing, true)
			}
		}
		tr.Counts = append(tr.Counts, n)
		tr.Missing = append(tr.Missing, false)
		last = ts
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: reading: %w", name, line+1, err)
	}
	if !sawHeader {
		return nil, fmt.Errorf("%s: empty file, expected header \"t_seconds,requests\"", name)
	}
	if len(tr.Counts) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", name)
	}
	tr.FillGaps()
	return tr, nil
}

func parseRow(text string) (int64, float64, error) {
	a, b, ok := strings.Cut(text, ",")
	if !ok || strings.Contains(b, ",") {
		return 0, 0, errors.New("want two comma-separated fields t_seconds,requests")
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("t_seconds %q is not an integer", strings.TrimSpace(a))
	}
	if ts < 0 {
		return 0, 0, fmt.Errorf("t_seconds %d is negative", ts)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, 0, fmt.Errorf("requests %q is not a number", strings.TrimSpace(b))
	}
	if n < 0 {
		return 0, 0, fmt.Errorf("requests %v is negative", n)
	}
	return ts, n, nil
}

// FillGaps replaces each run of missing buckets by a straight line between
// the buckets on either side of it. Why interpolate: a gap in monitoring data
// is almost always a collector outage while the service kept receiving
// traffic, so the neighbours are the best estimate; treating it as zero would
// reward policies for scaling in during a blind spot. Missing stays true so
// the gap count survives.
func (t *Trace) FillGaps() {
	n := len(t.Counts)
	for i := 0; i < n; {
		if !t.Missing[i] {
			i++
			continue
		}
		j := i
		for j < n && t.Missing[j] {
			j++
		}
		// The first and last rows always exist (gaps are only created
		// between rows), so i-1 and j are in range.
		left, right := t.Counts[i-1], t.Counts[j]
		span := float64(j - i + 1)
		for k := i; k < j; k++ {
			t.Counts[k] = left + (right-left)*float64(k-i+1)/span
		}
		i = j
	}
}

// WriteTrace writes t in the CSV format, skipping missing buckets so that a
// round trip preserves gaps.
func WriteTrace(w io.Writer, t *Trace) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "t_seconds,requests")
	width := int64(t.Bucket / time.Second)
	for i, c := range t.Counts {
		if t.Missing[i] {
			continue
		}
		fmt.Fprintf(bw, "%d,%s\n", t.Origin+int64(i)*width, strconv.FormatFloat(c, 'f', -1, 64))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing trace: %w", err)
	}
	return nil
}
