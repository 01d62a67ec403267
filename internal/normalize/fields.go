package normalize

// kind is the JSON type of a field value, as far as a mapping cares.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindNull
	kindOther // true, false, an object or an array: copied as received
)

// field is one member of a record's Fields object. It holds no pointers
// (only offsets), so a record's list of members costs the garbage
// collector nothing to scan.
type field struct {
	key, val span // val: a string's text, a number's literal, else the raw JSON
	kind     kind
	used     bool // an attribute carries the value unchanged, so unmapped need not repeat it
}

// span is a piece of the record's Fields, or of the unescaped text when the
// piece had escapes.
type span struct {
	off, end int32
	esc      bool // in fields.esc
}

// fields is a record's Fields decoded once, schema-neutral: the members in
// the order received, and where each name of the vendor's field table is.
// Every schema mapping reads it and marks what it carried.
type fields struct {
	src  []byte // the Fields JSON
	esc  []byte // unescaped strings
	list []field
	at   [numSlots + 1]int32 // index in list + 1 of each slot's member; 0: absent
	dash bool                // ELFF: a "-" value says "no value", like ""
}

// bytes returns the text of a span.
func (fs *fields) bytes(p span) []byte {
	if p.esc {
		return fs.esc[p.off:p.end:p.end]
	}
	return fs.src[p.off:p.end:p.end]
}

// get returns the member in slot s, or nil when it is absent or carries no
// value (empty string, null, or "-" in ELFF).
func (fs *fields) get(s slot) *field {
	i := fs.at[s]
	if i == 0 {
		return nil
	}
	f := &fs.list[i-1]
	if fs.empty(f) {
		return nil
	}
	return f
}

// text returns the value of slot s as text (a string's content or a
// number's literal), or nil when it is absent, empty, or an object, array or
// boolean.
func (fs *fields) text(s slot) []byte {
	if f := fs.get(s); f != nil && f.kind <= kindNumber {
		return fs.bytes(f.val)
	}
	return nil
}

// use marks slot s as carried unchanged by a mapped attribute. Only text
// (a string's or a number's) is ever carried, so an object, array or
// boolean in a slot a mapping reads is never marked and stays unmapped.
func (fs *fields) use(s slot) {
	if i := fs.at[s]; i != 0 && fs.list[i-1].kind <= kindNumber {
		fs.list[i-1].used = true
	}
}

// empty says whether a member carries no information: such members are
// left out of the event entirely (see the package documentation).
func (fs *fields) empty(f *field) bool {
	switch f.kind {
	case kindNull:
		return true
	case kindString:
		n := f.val.end - f.val.off
		return n == 0 || fs.dash && n == 1 && fs.bytes(f.val)[0] == '-'
	}
	return false
}
