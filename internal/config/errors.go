package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a config file.
type Error struct {
	File string
	Line int // 0 when the problem has no single place
	Msg  string
}

// Error formats the problem as "file:line: message".
func (e *Error) Error() string { return e.Place() + ": " + e.Msg }

// Place is where the problem is: "file:line", or "file" when it has no
// single line.
func (e *Error) Place() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return e.File
}

// ErrorList is every problem found in a config file, in line order. Parse and
// Load return one (as error) when the file is not valid.
type ErrorList []*Error

// Error prints every problem, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// sorted orders problems by line, keeping the order found within a line.
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
	return l
}

// reporter collects problems for one file, and warnings: settings that are
// valid but will not do what they seem to.
type reporter struct {
	file  string
	errs  ErrorList
	warns ErrorList
}

func (r *reporter) errorf(line int, format string, args ...any) {
	r.errs = append(r.errs, &Error{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (r *reporter) warnf(line int, format string, args ...any) {
	r.warns = append(r.warns, &Error{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}
