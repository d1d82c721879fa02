package local

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxLineBytes splits endless lines (a binary dump, a missing newline) so
// memory stays bounded and the reader still gets lines.
const maxLineBytes = 64 << 10

// logFile is one instance's log: lines "<RFC3339Nano> <stream> <text>".
// When it would grow past max it is renamed to <path>.1 (replacing the
// previous one) and a new file is started, so an instance keeps at most
// about 2×max bytes on disk.
type logFile struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File
	size int64
}

func openLogFile(path string, maxBytes int64) (*logFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating log directory: %w", err)
	}
	l := &logFile{path: path, max: maxBytes}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("opening log file: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// writeLine appends one line. Errors are dropped: a full disk must not stop
// the instance, and there is nobody to tell but the log itself.
func (l *logFile) writeLine(stream, text string) {
	line := time.Now().UTC().Format(time.RFC3339Nano) + " " + stream + " " + text + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	if l.size > 0 && l.size+int64(len(line)) > l.max {
		l.rotate()
		if l.f == nil {
			return
		}
	}
	n, _ := l.f.WriteString(line)
	l.size += int64(n)
}

// rotate moves the full file aside. Caller holds mu.
func (l *logFile) rotate() {
	_ = l.f.Close()
	l.f = nil
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return
	}
	_ = l.open()
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// streamWriter cuts a process's output stream into lines for its logFile.
type streamWriter struct {
	mu     sync.Mutex
	lf     *logFile
	stream string
	buf    []byte
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range p {
		if b == '\n' {
			w.emit()
			continue
		}
		w.buf = append(w.buf, b)
		if len(w.buf) >= maxLineBytes {
			w.emit()
		}
	}
	return len(p), nil
}

// flush writes a last line that had no newline.
func (w *streamWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit()
	}
}

func (w *streamWriter) emit() {
	text := w.buf
	if n := len(text); n > 0 && text[n-1] == '\r' {
		text = text[:n-1]
	}
	w.lf.writeLine(w.stream, string(text))
	w.buf = w.buf[:0]
}
