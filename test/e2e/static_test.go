package e2e

import (
	"debug/elf"
	"testing"
)

// The release build must run on any Linux without a matching libc.
func TestBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(shoalBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("shoal has a program interpreter: it is dynamically linked")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Fatalf("shoal links shared libraries: %v", libs)
	}
}
