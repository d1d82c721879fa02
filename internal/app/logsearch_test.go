package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GET /api/logs searches the gateway log and the access log together.
func TestLogSearch(t *testing.T) {
	o := origin(t, "x", 0)
	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, o.URL, "")
	a := startApp(t, path)
	front, admin := "http://"+a.PublicAddrs()[0], "http://"+a.AdminAddr()
	get(t, front+"/hello-search")
	get(t, "http://"+a.PublicAddrs()[0]+"/")
	search := func(query string) []LogRecord {
		t.Helper()
		var recs []LogRecord
		deadline := time.Now().Add(3 * time.Second)
		for {
			_, body := get(t, admin+"/api/logs?"+query)
			if err := json.Unmarshal([]byte(body), &recs); err != nil {
				t.Fatalf("decoding %s: %v", body, err)
			}
			if len(recs) > 0 || time.Now().After(deadline) {
				return recs
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	recs := search("q=hello-search")
	if len(recs) != 1 || recs[0].Source != "access" || recs[0].Service != "s" || !strings.Contains(recs[0].Text, "200") {
		t.Fatalf("access record search: %+v", recs)
	}
	if recs := search("q=shoal+is+serving"); len(recs) == 0 || recs[0].Source != "gateway" {
		t.Errorf("gateway log search: %+v", recs)
	}
	if recs := search("level=error&q=hello-search"); len(recs) != 0 {
		t.Errorf("a 200 must not match level=error: %+v", recs)
	}
	if recs := search("service=other"); len(recs) != 0 {
		t.Errorf("service filter: %+v", recs)
	}
}
