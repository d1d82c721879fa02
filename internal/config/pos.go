package config

// Pos records where an object and its keys appear in the file, so that
// validation errors can name a line. The decoder fills it; it is never
// written in the file.
type Pos struct {
	// Line of the object itself (its first key, or its scalar form).
	Line int
	keys map[string]int
}

// Of returns the line of key (a key of this object, "key[i]" for an item of
// a list of scalars, or "key.name" for an entry of a mapping of scalars), or
// the object's own line when the key is not in the file.
func (p Pos) Of(key string) int {
	if l, ok := p.keys[key]; ok {
		return l
	}
	return p.Line
}

// Has reports whether key was written in the file.
func (p Pos) Has(key string) bool {
	_, ok := p.keys[key]
	return ok
}

// set records the line of key.
func (p *Pos) set(key string, line int) {
	if p.keys == nil {
		p.keys = make(map[string]int)
	}
	p.keys[key] = line
}
