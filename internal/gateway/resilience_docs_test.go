package gateway

import (
	"strings"
	"testing"
)

// TestResilienceDocExamples checks every YAML example of docs/resilience.md
// with the same checker as the other guides.
func TestResilienceDocExamples(t *testing.T) {
	checked := 0
	for _, b := range yamlBlocks(t, "../../docs/resilience.md") {
		if strings.HasPrefix(b.src, fragmentMarker) {
			continue
		}
		checked++
		if err := checkDocBlock("block", b.src); err != nil {
			t.Errorf("docs/resilience.md:%d is refused:\n%v", b.line, err)
		}
	}
	if checked < 7 {
		t.Errorf("checked %d yaml blocks, want at least 7", checked)
	}
}
