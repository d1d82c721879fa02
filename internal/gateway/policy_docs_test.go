package gateway

import (
	"fmt"
	"strings"
	"testing"
)

// TestPolicyDocExamples checks every YAML example of the rate limiting,
// caching and auth guides with the same checker as the routing guide.
func TestPolicyDocExamples(t *testing.T) {
	for _, path := range []string{"../../docs/rate-limiting.md", "../../docs/caching.md", "../../docs/auth.md"} {
		checked := 0
		for _, b := range yamlBlocks(t, path) {
			if strings.HasPrefix(b.src, fragmentMarker) {
				continue
			}
			checked++
			t.Run(fmt.Sprintf("%s:%d", strings.TrimPrefix(path, "../../"), b.line), func(t *testing.T) {
				if err := checkDocBlock("block", b.src); err != nil {
					t.Errorf("the example at %s:%d is refused:\n%v", path, b.line, err)
				}
			})
		}
		if checked < 1 {
			t.Errorf("%s: checked %d yaml blocks, want at least 1", path, checked)
		}
	}
}
