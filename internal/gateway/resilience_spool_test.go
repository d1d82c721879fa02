package gateway

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func TestTeeBodySpillsToDiskAndReplaysTheWhole(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	body := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16)
	tee := newTeeBody(io.NopCloser(bytes.NewReader(body)))
	// The first try reads 2 MiB: 1 MiB stays in memory, 1 MiB goes to disk.
	if _, err := io.CopyN(io.Discard, tee, 2<<20); err != nil {
		t.Fatal(err)
	}
	if len(tee.mem) != spoolMemory || tee.file == nil || tee.fileSize != 1<<20 {
		t.Fatalf("memory %d, file %v of %d bytes", len(tee.mem), tee.file != nil, tee.fileSize)
	}
	name := tee.file.Name()
	tee.detach()
	if n, err := tee.Read(make([]byte, 10)); n != 0 || err != errDetached {
		t.Fatalf("read after detach: %d %v", n, err)
	}
	rc, err := tee.replay()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("replay: %d bytes of %d, err %v", len(got), len(body), err)
	}
	tee.cleanup()
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("spill file still there: %v", err)
	}
}

func TestTeeBodySmallStaysInMemory(t *testing.T) {
	tee := newTeeBody(io.NopCloser(bytes.NewReader([]byte("hello world"))))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(tee, buf); err != nil {
		t.Fatal(err)
	}
	tee.detach()
	rc, err := tee.replay()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if string(got) != "hello world" || tee.file != nil {
		t.Fatalf("replay %q, file %v", got, tee.file != nil)
	}
}
