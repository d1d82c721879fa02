package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// A fallback service must receive the request body the first service was
// sent. Buffering the whole body before the first try would delay every
// upload and cap its size, so the body streams to the first try through a
// teeBody that keeps a copy: the first spoolMemory bytes in memory, the
// rest in a temporary file. The fallback then gets the kept copy followed
// by whatever the first try did not read.
const (
	spoolMemory = 1 << 20
	// spoolMax bounds the copy kept on disk; beyond it the request can no
	// longer go to the fallback service.
	spoolMax = 1 << 30
)

// errDetached is what a late read of the first try gets (the transport may
// still be writing the request when the answer is already known).
var errDetached = errors.New("request body handed to the fallback")

type teeBody struct {
	mu       sync.Mutex
	src      io.ReadCloser
	mem      []byte
	file     *os.File
	fileSize int64
	over     bool  // too large to keep: no replay
	srcErr   error // what src last returned (io.EOF: fully read)
	detached bool
}

func newTeeBody(src io.ReadCloser) *teeBody { return &teeBody{src: src} }

func (t *teeBody) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.detached {
		return 0, errDetached
	}
	n, err := t.src.Read(p)
	if n > 0 && !t.over {
		t.keep(p[:n])
	}
	if err != nil {
		t.srcErr = err
	}
	return n, err
}

// Close does not close the client's body: the fallback may still need
// what the first try left unread. The server closes it after the handler.
func (t *teeBody) Close() error { return nil }

// keep appends b to the copy. Call with t.mu held.
func (t *teeBody) keep(b []byte) {
	if room := spoolMemory - len(t.mem); room > 0 {
		k := min(room, len(b))
		t.mem = append(t.mem, b[:k]...)
		b = b[k:]
	}
	if len(b) == 0 {
		return
	}
	if int64(len(t.mem))+t.fileSize+int64(len(b)) > spoolMax {
		t.drop()
		return
	}
	if t.file == nil {
		f, err := os.CreateTemp("", "shoal-fallback-body-*")
		if err != nil {
			t.drop()
			return
		}
		t.file = f
	}
	n, err := t.file.Write(b)
	t.fileSize += int64(n)
	if err != nil {
		t.drop()
	}
}

// drop gives up the copy. Call with t.mu held.
func (t *teeBody) drop() {
	t.over = true
	t.mem = nil
	t.removeFile()
}

func (t *teeBody) removeFile() {
	if t.file != nil {
		name := t.file.Name()
		_ = t.file.Close()
		_ = os.Remove(name)
		t.file, t.fileSize = nil, 0
	}
}

// detach ends the first try's access to the body: a read still running
// finishes first, later ones fail.
func (t *teeBody) detach() {
	t.mu.Lock()
	t.detached = true
	t.mu.Unlock()
}

// replay returns the whole body again (call after detach): the kept copy,
// then the unread rest of the client's body.
func (t *teeBody) replay() (io.ReadCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return nil, fmt.Errorf("request body over %d bytes: not kept for the fallback", spoolMax)
	}
	if t.srcErr != nil && t.srcErr != io.EOF {
		return nil, fmt.Errorf("reading the request body: %w", t.srcErr)
	}
	parts := []io.Reader{bytes.NewReader(t.mem)}
	if t.file != nil {
		parts = append(parts, io.NewSectionReader(t.file, 0, t.fileSize))
	}
	if t.srcErr == nil {
		parts = append(parts, t.src)
	}
	return io.NopCloser(io.MultiReader(parts...)), nil
}

// cleanup removes the temporary file, if any.
func (t *teeBody) cleanup() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeFile()
}
