package config

import (
	"fmt"
	"strings"
	"testing"
)

// manyRoutes builds a config with n routes over 10 services.
func manyRoutes(n int) []byte {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "  s%d: {endpoints: [http://127.0.0.1:%d]}\n", i, 9000+i)
	}
	b.WriteString("routes:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: r%d\n    match: {host: h%d.example.com, path_prefix: /p%d, methods: [GET]}\n    service: s%d\n", i, i%100, i, i%10)
	}
	return []byte(b.String())
}

// TestManyRoutes: a 10,000-route config stays far inside the decode budget.
func TestManyRoutes(t *testing.T) {
	c, err := Parse("big.yaml", manyRoutes(10000))
	if err != nil {
		t.Fatalf("%.500v", err)
	}
	if len(c.Dynamic.Routes) != 10000 || c.Dynamic.Routes[9999].Name != "r9999" {
		t.Fatalf("got %d routes", len(c.Dynamic.Routes))
	}
}

func BenchmarkParse10kRoutes(b *testing.B) {
	data := manyRoutes(10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("big.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
