package memory

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/shoal-gw/shoal/internal/registry"
)

// On-disk record: 4-byte little-endian payload length, 4-byte CRC-32C of the
// payload, then the JSON payload. The length and checksum let replay tell a
// complete record from one torn by a crash in the middle of a write.
const (
	headerSize = 8
	// maxRecord bounds a payload so a corrupt length cannot make replay
	// allocate gigabytes; real records are well under a kilobyte.
	maxRecord = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// op is one change: a put stores the whole instance (registration and
// heartbeat alike), a del removes one. Both are idempotent, so replaying a log
// over a snapshot that already contains its effects gives the same state.
type op struct {
	Op       string             `json:"op"` // "put" or "del"
	Instance *registry.Instance `json:"instance,omitempty"`
	Service  string             `json:"service,omitempty"`
	ID       string             `json:"id,omitempty"`
}

func putOp(inst registry.Instance) op { return op{Op: "put", Instance: &inst} }

func delOp(service, id string) op { return op{Op: "del", Service: service, ID: id} }

// appendRecord encodes o onto buf.
func appendRecord(buf []byte, o op) ([]byte, error) {
	payload, err := json.Marshal(o)
	if err != nil {
		return buf, fmt.Errorf("encoding %s record: %w", o.Op, err)
	}
	var hdr [headerSize]byte
	binary.LittleEndian.PutUint32(hdr[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(hdr[4:8], crc32.Checksum(payload, crcTable))
	buf = append(buf, hdr[:]...)
	return append(buf, payload...), nil
}

// errTorn marks the end of the usable part of a file.
var errTorn = errors.New("torn or corrupt record")

// readRecords calls apply for every intact record of r and returns the number
// of bytes they span. It stops at the first incomplete or corrupt record and
// reports it as errTorn (wrapped with the offset), leaving the caller to
// decide whether that is acceptable.
func readRecords(r io.Reader, apply func(op) error) (int64, error) {
	br := bufio.NewReader(r)
	var good int64
	var hdr [headerSize]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if err == io.EOF {
				return good, nil
			}
			return good, fmt.Errorf("%w at offset %d: short header", errTorn, good)
		}
		n := binary.LittleEndian.Uint32(hdr[0:4])
		if n == 0 || n > maxRecord {
			return good, fmt.Errorf("%w at offset %d: bad length %d", errTorn, good, n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return good, fmt.Errorf("%w at offset %d: short payload", errTorn, good)
		}
		if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(hdr[4:8]) {
			return good, fmt.Errorf("%w at offset %d: checksum mismatch", errTorn, good)
		}
		var o op
		if err := json.Unmarshal(payload, &o); err != nil {
			return good, fmt.Errorf("%w at offset %d: %v", errTorn, good, err)
		}
		if err := apply(o); err != nil {
			return good, fmt.Errorf("%w at offset %d: %v", errTorn, good, err)
		}
		good += int64(headerSize) + int64(n)
	}
}

// writeFileSync writes data to path atomically and durably: temp file, fsync,
// rename, fsync of the directory so the rename itself survives a crash.
func writeFileSync(dir, path string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".snapshot-*")
	if err != nil {
		return fmt.Errorf("creating temp snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing temp snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing temp snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing temp snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming snapshot: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening %s to sync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
