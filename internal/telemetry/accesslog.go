package telemetry

import (
	"bufio"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// AccessEntry is one line of the access log.
type AccessEntry struct {
	Time     time.Time
	Remote   string
	Method   string
	Host     string
	Path     string
	Proto    string
	Status   int
	Bytes    int64
	Duration time.Duration
	Route    string
	Service  string
	Upstream string
	Error    string
	// TraceID links the line to its trace when tracing is on.
	TraceID string
}

// AccessLog writes entries from a background goroutine. Log() never blocks
// the request: when the buffer is full the entry is dropped and counted,
// because a slow disk must not become slow requests.
type AccessLog struct {
	ch      chan AccessEntry
	w       *bufio.Writer
	done    chan struct{}
	dropped atomic.Uint64
	once    sync.Once
	tap     func(AccessEntry)
}

// NewAccessLogTap is NewAccessLog with tap called for every entry on the
// writer goroutine (never on the request path), e.g. to keep entries
// searchable in memory.
func NewAccessLogTap(w io.Writer, buffer int, tap func(AccessEntry)) *AccessLog {
	l := newAccessLog(w, buffer)
	l.tap = tap
	go l.run()
	return l
}

// NewAccessLog starts the writer goroutine. Close flushes and stops it.
func NewAccessLog(w io.Writer, buffer int) *AccessLog {
	l := newAccessLog(w, buffer)
	go l.run()
	return l
}

func newAccessLog(w io.Writer, buffer int) *AccessLog {
	if buffer <= 0 {
		buffer = 4096
	}
	return &AccessLog{ch: make(chan AccessEntry, buffer), w: bufio.NewWriterSize(w, 64<<10), done: make(chan struct{})}
}

// Log queues an entry, or drops it when the queue is full.
func (l *AccessLog) Log(e AccessEntry) {
	if l == nil {
		return
	}
	select {
	case l.ch <- e:
	default:
		l.dropped.Add(1)
	}
}

// Dropped reports how many entries were dropped because the writer lagged.
func (l *AccessLog) Dropped() uint64 { return l.dropped.Load() }

// Close drains queued entries and flushes them.
func (l *AccessLog) Close() {
	if l == nil {
		return
	}
	l.once.Do(func() { close(l.ch) })
	<-l.done
}

func (l *AccessLog) run() {
	defer close(l.done)
	buf := make([]byte, 0, 512)
	for {
		e, ok := <-l.ch
		if !ok {
			if err := l.w.Flush(); err != nil {
				slog.Warn("access log flush failed", "err", err)
			}
			return
		}
		if l.tap != nil {
			l.tap(e)
		}
		buf = appendEntry(buf[:0], e)
		if _, err := l.w.Write(buf); err != nil {
			slog.Warn("access log write failed", "err", err)
		}
		// Flush when idle so lines appear promptly without a syscall per line
		// under load.
		if len(l.ch) == 0 {
			_ = l.w.Flush()
		}
	}
}

// appendEntry formats one entry as logfmt.
func appendEntry(b []byte, e AccessEntry) []byte {
	b = append(b, "time="...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = appendKV(b, "remote", e.Remote)
	b = appendKV(b, "method", e.Method)
	b = appendKV(b, "host", e.Host)
	b = appendKV(b, "path", e.Path)
	b = appendKV(b, "proto", e.Proto)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, " duration_ms="...)
	b = strconv.AppendFloat(b, float64(e.Duration.Microseconds())/1000, 'f', 3, 64)
	b = appendKV(b, "route", e.Route)
	b = appendKV(b, "service", e.Service)
	b = appendKV(b, "upstream", e.Upstream)
	if e.Error != "" {
		b = appendKV(b, "error", e.Error)
	}
	if e.TraceID != "" {
		b = appendKV(b, "trace_id", e.TraceID)
	}
	return append(b, '\n')
}

func appendKV(b []byte, k, v string) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, '=')
	return strconv.AppendQuote(b, v)
}
