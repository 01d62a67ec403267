package s3

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Parquet objects hold OCSF events of one class, one row each. OCSF
// events are nested JSON whose attributes vary by class and by event, so
// the schema of each object is derived from the events it holds:
//
//   - a JSON object is an optional group, an array an optional LIST of
//     optional elements; strings are STRING (dictionary encoded), integers
//     that fit int64 INT64, other numbers DOUBLE, booleans BOOLEAN;
//   - a column that is a number in one event and an integer in another is
//     DOUBLE, and so are the float_t attributes of the OCSF dictionary
//     (lat, long, ...) even when an object only holds whole values;
//   - free-form attributes (unmapped, xattributes and the json_t ones),
//     attributes whose values differ in kind (a string here, an object
//     there), integers beyond int64, objects without any non-null member,
//     arrays without any element and values nested more than maxDepth
//     levels are one column of JSON text (logical type JSON), the value as
//     written in the event;
//   - null is absent; an attribute no event of the object sets has no
//     column;
//   - columns are ordered by name at every level, as Parquet groups are.
//
// So every column has the type its OCSF attribute has, in every object,
// and Athena and Glue see typed, nested columns (url.hostname, a list of
// user groups); OCSF timestamps are INT64 milliseconds, as in the events.
// An object's rows are its events sorted by time.

// colKind is the Parquet type of a column.
type colKind uint8

const (
	cNone colKind = iota // no value seen yet: no column
	cString
	cInt
	cDouble
	cBool
	cJSON // JSON text
	cGroup
	cList
)

// maxDepth is the deepest group or list nesting with typed columns; deeper
// values are JSON text. Each level adds to Parquet's definition levels,
// which stop at 255.
const maxDepth = 32

// maxColumns bounds the columns of an object: past it, the attributes at
// the top level are JSON text, each one column.
const maxColumns = 10_000

// rowGroupBytes bounds a row group, before compression: Security Lake
// asks for row groups of at most 256 MB.
const rowGroupBytes = 128 << 20

// column is a node of an object's schema.
type column struct {
	name   string
	kind   colKind
	double bool // an OCSF float_t attribute
	free   bool // an OCSF free-form attribute: JSON text
	fields []*column
	byName map[string]int // index in fields
	elem   *column        // of a list
	leaf   int            // a leaf's column index
	rep    int            // a list's repetition level
}

func newColumn(name string) *column {
	return &column{name: name, double: floatAttrs[name], free: jsonAttrs[name]}
}

func kindOf(k jkind) colKind {
	switch k {
	case jBool:
		return cBool
	case jInt:
		return cInt
	case jDouble:
		return cDouble
	case jString:
		return cString
	case jObject:
		return cGroup
	case jArray:
		return cList
	}
	return cJSON // jBigNum
}

// add widens c so that it holds v, at nesting depth depth.
func (c *column) add(t *jsonTree, v *jnode, depth int) {
	if v.kind == jNull || c.kind == cJSON {
		return
	}
	k := kindOf(v.kind)
	switch {
	case c.free, depth >= maxDepth && (k == cGroup || k == cList):
		k = cJSON
	case k == cInt && c.double:
		k = cDouble
	}
	switch {
	case c.kind == cNone || c.kind == k:
		c.kind = k
	case c.kind == cInt && k == cDouble, c.kind == cDouble && k == cInt:
		c.kind = cDouble
	default:
		c.kind = cJSON
	}
	kids := t.children(v)
	switch c.kind {
	case cJSON:
		c.fields, c.byName, c.elem = nil, nil, nil
	case cGroup:
		for i := range kids {
			c.field(kids[i].key).add(t, &kids[i], depth+1)
		}
	case cList:
		if c.elem == nil {
			c.elem = &column{name: "element", double: c.double}
		}
		for i := range kids {
			c.elem.add(t, &kids[i], depth+1)
		}
	}
}

func (c *column) field(name []byte) *column {
	if i, ok := c.byName[string(name)]; ok {
		return c.fields[i]
	}
	if c.byName == nil {
		c.byName = map[string]int{}
	}
	f := newColumn(string(name))
	c.byName[f.name] = len(c.fields)
	c.fields = append(c.fields, f)
	return f
}

// prune drops the columns without a value, makes JSON text of groups and
// lists left without a typed column, and sorts fields by name. It reports
// whether c has a column.
func (c *column) prune() bool {
	switch c.kind {
	case cNone:
		return false
	case cGroup:
		kept := c.fields[:0]
		for _, f := range c.fields {
			if f.prune() {
				kept = append(kept, f)
			}
		}
		if len(kept) == 0 {
			c.kind, c.fields, c.byName = cJSON, nil, nil
			return true
		}
		slices.SortFunc(kept, func(a, b *column) int { return strings.Compare(a.name, b.name) })
		c.fields = kept
		clear(c.byName)
		for i, f := range kept {
			c.byName[f.name] = i
		}
	case cList:
		if c.elem == nil || !c.elem.prune() {
			c.elem = &column{name: "element", kind: cJSON}
		}
	}
	return true
}

// number gives the leaves their column indexes, in schema order, and the
// lists their repetition levels.
func (c *column) number(rep int, leaves *[]*column) {
	switch c.kind {
	case cGroup:
		for _, f := range c.fields {
			f.number(rep, leaves)
		}
	case cList:
		c.rep = rep + 1
		c.elem.number(rep+1, leaves)
	default:
		c.leaf = len(*leaves)
		*leaves = append(*leaves, c)
	}
}

// node is c's Parquet schema node.
func (c *column) node() parquet.Node {
	var n parquet.Node
	switch c.kind {
	case cString:
		n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	case cInt:
		n = parquet.Leaf(parquet.Int64Type)
	case cDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case cBool:
		n = parquet.Leaf(parquet.BooleanType)
	case cGroup:
		n = c.group()
	case cList:
		n = parquet.List(c.elem.node())
	default:
		n = parquet.JSON()
	}
	return parquet.Optional(n)
}

func (c *column) group() parquet.Group {
	g := make(parquet.Group, len(c.fields))
	for _, f := range c.fields {
		g[f.name] = f.node()
	}
	return g
}

// pqEncoder writes Parquet objects. It is part of the pooled encoder.
type pqEncoder struct {
	tree  jsonTree
	roots []jnode
	cols  [][]parquet.Value // the current row's values, by column
	seen  []bool
	row   parquet.Row
	out   bytes.Buffer
}

// encode writes the events at spans of src (JSON objects) as one Parquet
// file, rows in order, and returns it; it stays valid until the next
// encode.
func (p *pqEncoder) encode(src []byte, spans [][2]int, createdBy string) (body []byte, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug here or in parquet-go must not stop gatelog
			body, err = nil, fmt.Errorf("parquet: %v", r)
		}
	}()
	p.tree.reset()
	p.roots = p.roots[:0]
	root := &column{kind: cGroup}
	for _, sp := range spans {
		p.tree.src, p.tree.pos = src[:sp[1]], sp[0]
		n := p.tree.value()
		if n.kind != jObject {
			return nil, fmt.Errorf("event is not a JSON object: %.40q", src[sp[0]:sp[1]])
		}
		p.roots = append(p.roots, n)
		root.add(&p.tree, &n, 0)
	}
	p.tree.src = src
	root.prune()
	var leaves []*column
	root.number(0, &leaves)
	if len(leaves) > maxColumns {
		for _, f := range root.fields {
			if f.kind == cGroup || f.kind == cList {
				f.kind, f.fields, f.byName, f.elem = cJSON, nil, nil, nil
			}
		}
		leaves = leaves[:0]
		root.number(0, &leaves)
		if len(leaves) > maxColumns {
			return nil, fmt.Errorf("the events have %d attributes at the top level, more than %d columns", len(leaves), maxColumns)
		}
	}
	schema := parquet.NewSchema("ocsf", root.group())
	if got := len(schema.Columns()); got != len(leaves) {
		return nil, fmt.Errorf("parquet schema has %d columns, want %d", got, len(leaves)) // a bug
	}
	p.cols = slices.Grow(p.cols[:0], len(leaves))[:len(leaves)]
	p.out.Reset()
	w := parquet.NewWriter(&p.out, schema, parquet.Compression(&parquet.Zstd), parquet.DataPageVersion(1),
		&parquet.WriterConfig{CreatedBy: createdBy})
	rows := []parquet.Row{nil}
	for i := range p.roots {
		for c := range p.cols {
			p.cols[c] = p.cols[c][:0]
		}
		p.group(root, &p.roots[i], 0, 0)
		p.row = p.row[:0]
		for _, vs := range p.cols {
			p.row = append(p.row, vs...)
		}
		rows[0] = p.row
		if _, err := w.WriteRows(rows); err != nil {
			return nil, err
		}
		if i%1024 == 1023 && w.Size() > rowGroupBytes {
			if err := w.Flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return p.out.Bytes(), nil
}

// value shreds v (nil: absent) into the columns of c, at repetition level
// rep and definition level def of c's parent.
func (p *pqEncoder) value(c *column, v *jnode, rep, def int) {
	if v == nil || v.kind == jNull {
		p.null(c, rep, def)
		return
	}
	switch c.kind {
	case cGroup:
		p.group(c, v, rep, def+1)
	case cList:
		kids := p.tree.children(v)
		if len(kids) == 0 {
			p.null(c.elem, rep, def+1)
			return
		}
		for i := range kids {
			r := rep
			if i > 0 {
				r = c.rep
			}
			p.value(c.elem, &kids[i], r, def+2)
		}
	default:
		p.cols[c.leaf] = append(p.cols[c.leaf], p.leaf(c, v).Level(rep, def+1, c.leaf))
	}
}

// group shreds the members of object v into group c, present at def. A
// member named twice counts once, the first time.
func (p *pqEncoder) group(c *column, v *jnode, rep, def int) {
	mark := len(p.seen)
	for range c.fields {
		p.seen = append(p.seen, false)
	}
	kids := p.tree.children(v)
	for i := range kids {
		f, ok := c.byName[string(kids[i].key)]
		if ok && !p.seen[mark+f] {
			p.seen[mark+f] = true
			p.value(c.fields[f], &kids[i], rep, def)
		}
	}
	for f, fc := range c.fields {
		if !p.seen[mark+f] {
			p.null(fc, rep, def)
		}
	}
	p.seen = p.seen[:mark]
}

// null marks every leaf of c absent at rep and def.
func (p *pqEncoder) null(c *column, rep, def int) {
	switch c.kind {
	case cGroup:
		for _, f := range c.fields {
			p.null(f, rep, def)
		}
	case cList:
		p.null(c.elem, rep, def)
	default:
		p.cols[c.leaf] = append(p.cols[c.leaf], parquet.Value{}.Level(rep, def, c.leaf))
	}
}

// leaf is v as a value of leaf c, whose kind add made fit v's.
func (p *pqEncoder) leaf(c *column, v *jnode) parquet.Value {
	switch c.kind {
	case cString:
		return parquet.ByteArrayValue(v.str)
	case cInt:
		return parquet.Int64Value(v.i)
	case cDouble:
		if v.kind == jInt {
			return parquet.DoubleValue(float64(v.i))
		}
		return parquet.DoubleValue(v.f)
	case cBool:
		return parquet.BooleanValue(v.b)
	}
	return parquet.ByteArrayValue(p.tree.src[v.start:v.end])
}
