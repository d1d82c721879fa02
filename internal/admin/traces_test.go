package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

type fakeTraces struct{ last tracing.Query }

const knownTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

func (f *fakeTraces) List(q tracing.Query) ([]tracing.Summary, error) {
	f.last = q
	return []tracing.Summary{{TraceID: knownTrace, Service: "web", Status: 200}}, nil
}

func (f *fakeTraces) Get(id string) (tracing.Trace, bool) {
	if id != knownTrace {
		return tracing.Trace{}, false
	}
	return tracing.Trace{Summary: tracing.Summary{TraceID: id}, SpanList: []tracing.Span{{Name: "GET /", Kind: "server"}}}, true
}

func TestTraceRoutes(t *testing.T) {
	src := &fakeTraces{}
	h := Handler(&fakeController{ready: true}, Options{Traces: src})
	do := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.Bytes()
	}

	code, body := do("/api/traces?service=web&status=5xx&min_duration=250ms&sort=slowest&limit=7")
	if code != http.StatusOK {
		t.Fatalf("list: %d %s", code, body)
	}
	want := tracing.Query{Service: "web", Status: "5xx", MinDuration: 250 * time.Millisecond, Sort: "slowest", Limit: 7}
	if src.last != want {
		t.Errorf("query passed on as %+v, want %+v", src.last, want)
	}
	do("/api/traces?min_duration=40")
	if src.last.MinDuration != 40*time.Millisecond {
		t.Errorf("bare min_duration is milliseconds: got %s", src.last.MinDuration)
	}
	var list []tracing.Summary
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 1 || list[0].TraceID != knownTrace {
		t.Errorf("list body %s (%v)", body, err)
	}
	for _, bad := range []string{"limit=0", "limit=x", "min_duration=soon", "sort=fastest", "status=7xx"} {
		if code, body := do("/api/traces?" + bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}

	if code, body := do("/api/traces/" + knownTrace); code != http.StatusOK {
		t.Errorf("known trace: %d %s", code, body)
	} else {
		var tr tracing.Trace
		if err := json.Unmarshal(body, &tr); err != nil || len(tr.SpanList) != 1 {
			t.Errorf("trace body %s (%v)", body, err)
		}
	}
	if code, _ := do("/api/traces/00f067aa0ba902b700f067aa0ba902b7"); code != http.StatusNotFound {
		t.Errorf("unknown trace: %d, want 404", code)
	}
	if code, _ := do("/api/traces/xyz"); code != http.StatusBadRequest {
		t.Errorf("malformed id: %d, want 400", code)
	}
	// Without a source the routes fall to the /api/ catch-all.
	rec := httptest.NewRecorder()
	Handler(&fakeController{}, Options{}).ServeHTTP(rec, httptest.NewRequest("GET", "/api/traces", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("no trace source: %d, want 404", rec.Code)
	}
}
