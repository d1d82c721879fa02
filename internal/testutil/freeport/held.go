package freeport

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Held reports whether process pid itself holds a listening TCP socket on
// each of ports. A server answering on a port proves only that someone
// listens there; the socket's owner proves it is the process that was
// handed the port. On Linux the process's open sockets are the
// "socket:[INODE]" links in /proc/PID/fd, and /proc/net/tcp{,6} give each
// socket inode's state and local port.
func Held(pid int, ports ...int) (bool, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return false, err
	}
	listening := map[int]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := listeningPorts(table, inodes, listening); err != nil {
			return false, err
		}
	}
	for _, p := range ports {
		if !listening[p] {
			return false, nil
		}
	}
	return true, nil
}

// socketInodes returns the inodes of the sockets process pid has open.
func socketInodes(pid int) (map[string]bool, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing the open files of process %d: %w", pid, err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		// A descriptor closed since ReadDir has no link left: skip it.
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(link, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	return inodes, nil
}

// tcpListen is the state column's value for LISTEN in /proc/net/tcp.
const tcpListen = "0A"

// listeningPorts adds to into the local ports of the LISTEN sockets in
// table whose inode is one of inodes. A missing table (no IPv6) is empty.
func listeningPorts(table string, inodes map[string]bool, into map[int]bool) error {
	f, err := os.Open(table)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the socket table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header line
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != tcpListen || !inodes[fields[9]] {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil {
			return fmt.Errorf("reading the socket table: local address %q: %w", fields[1], err)
		}
		into[int(port)] = true
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", table, err)
	}
	return nil
}
