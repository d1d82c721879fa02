package app

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/telemetry"
)

// LogRecord is one line of any of Shoal's logs, as GET /api/logs returns it.
type LogRecord struct {
	Time     time.Time `json:"time"`
	Source   string    `json:"source"` // gateway, access, instance
	Level    string    `json:"level"`
	Service  string    `json:"service,omitempty"`
	Instance string    `json:"instance,omitempty"`
	TraceID  string    `json:"trace_id,omitempty"`
	// TraceURL opens the trace in the dashboard's trace view (set with
	// TraceID; the view says so when the trace was not sampled).
	TraceURL string `json:"trace_url,omitempty"`
	Text     string `json:"text"`
}

// logRingSize bounds the gateway and access records kept for searching,
// next to the instances' own log files.
const logRingSize = 5000

// teeHandler writes every gateway log record to the ring as well.
type teeHandler struct {
	slog.Handler
	ring  *ring[LogRecord]
	attrs []slog.Attr
}

func (h *teeHandler) Handle(ctx context.Context, r slog.Record) error {
	rec := LogRecord{Time: r.Time, Source: "gateway", Level: strings.ToLower(r.Level.String())}
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) {
		switch a.Key {
		case "service":
			rec.Service = a.Value.String()
		case "instance":
			rec.Instance = a.Value.String()
		case "trace_id":
			rec.TraceID = a.Value.String()
		}
		b.WriteString(" " + a.Key + "=" + a.Value.String())
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	rec.Text = b.String()
	h.ring.add(rec)
	return h.Handler.Handle(ctx, r)
}

func (h *teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &teeHandler{Handler: h.Handler.WithAttrs(as), ring: h.ring, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *teeHandler) WithGroup(name string) slog.Handler {
	return &teeHandler{Handler: h.Handler.WithGroup(name), ring: h.ring, attrs: h.attrs}
}

// accessRecord turns an access log entry into a searchable record.
func accessRecord(e telemetry.AccessEntry) LogRecord {
	level := "info"
	if e.Status >= 500 {
		level = "error"
	} else if e.Status >= 400 {
		level = "warn"
	}
	text := e.Method + " " + e.Host + e.Path + " " + strconv.Itoa(e.Status) + " " + e.Duration.Round(time.Microsecond).String()
	if e.Upstream != "" {
		text += " upstream=" + e.Upstream
	}
	if e.Error != "" {
		text += " error=" + e.Error
	}
	return LogRecord{Time: e.Time, Source: "access", Level: level, Service: e.Service, TraceID: e.TraceID, Text: text}
}

func levelRank(l string) int {
	switch strings.ToLower(l) {
	case "warn", "warning":
		return 2
	case "error":
		return 3
	case "info":
		return 1
	default:
		return 0
	}
}

// logsHandlerAll serves GET /api/logs: the gateway log, the access log and
// the instances' logs together, newest last, filtered by service, instance,
// minimum level, text and trace id.
func (a *App) logsHandlerAll(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	service, instance, text, trace := q.Get("service"), q.Get("instance"), q.Get("q"), q.Get("trace_id")
	minLevel := levelRank(q.Get("level"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit > 5000 {
		limit = 200
	}
	recs := a.logs.all()
	if a.rt != nil && trace == "" {
		for _, svc := range a.rt.Services() {
			if service != "" && svc != service {
				continue
			}
			lines, err := a.rt.Logs(svc, instance, text, limit)
			if err != nil {
				continue
			}
			for _, l := range lines {
				lvl := "info"
				if l.Stream == "stderr" {
					lvl = "warn"
				}
				recs = append(recs, LogRecord{Time: l.Time, Source: "instance", Level: lvl, Service: svc, Instance: l.Instance, Text: l.Text})
			}
		}
	}
	out := recs[:0]
	for _, rec := range recs {
		switch {
		case service != "" && rec.Service != service,
			instance != "" && rec.Instance != instance,
			trace != "" && rec.TraceID != trace,
			text != "" && !strings.Contains(rec.Text, text),
			levelRank(rec.Level) < minLevel:
			continue
		}
		out = append(out, rec)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	for i := range out {
		if out[i].TraceID != "" {
			out[i].TraceURL = "/#trace=" + out[i].TraceID
		}
	}
	admin.WriteJSON(w, http.StatusOK, out)
}
