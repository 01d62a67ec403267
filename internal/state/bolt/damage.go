package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/state"
)

// A state file can be damaged without bbolt noticing when it opens it: bbolt
// validates only the two meta pages and then trusts the rest. It maps the
// file into memory, so a page past the end of a file that was cut short
// raises SIGBUS, and a reference off the mapping SIGSEGV (both fatal errors
// in Go, not panics, unless the goroutine asked debug.SetPanicOnFault), and
// a page overwritten with anything else fails one of bbolt's assertions (a
// panic). Any of these would surface later, in the middle of a run. So Open
// checks an existing file before using it:
//
//  1. probe: a read-only open, which reads only the meta pages, compares the
//     size they record with the file's size, before any other page is read;
//  2. verify: the pages of every bucket's tree are read with ReadAt and their
//     headers and element bounds checked (pageChecker); every key and value
//     is read through bbolt, in key order; and bbolt's own consistency check
//     runs (page references, the freelist, key order);
//
// all with memory faults turned into panics and panics into errors (guard),
// and nothing written before all of it passed. The cost is one pass over the
// file at every open (run, state show, doctor): 45-65ms for a 19 MB database
// of 180,000 seen marks, in the page cache, on a 2-CPU VM (bbolt.Open alone:
// 0.2ms), of which probe 0.6ms, the walk 20-30ms, tx.Check 5ms; see
// BenchmarkOpenVerify. bbolt keeps no checksums of its pages: a
// flipped byte inside a key or value that leaves keys in order (and JSON
// valid) cannot be told from data.

// DamagedError is Open's refusal of a state file that exists but cannot be
// used: empty, cut short, overwritten, or with a bad page. It wraps
// state.ErrDamaged. The file is left exactly as it was.
type DamagedError struct {
	Path   string
	Reason string // what is wrong, e.g. "the file is empty"
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("open state store %s: %v (%s): %s", e.Path, state.ErrDamaged, e.Reason, e.Fix())
}

func (e *DamagedError) Unwrap() error { return state.ErrDamaged }

// Fix says what the user can do. Starting over is the user's call, never
// gatelog's: it delivers again what the file recorded as delivered.
func (e *DamagedError) Fix() string {
	return fmt.Sprintf("restore it from a backup, or move it aside (mv %s %s) and run again to start over, "+
		`which delivers again every record still within each source's "start" look-back`,
		shellQuote(e.Path), shellQuote(e.Path+".damaged"))
}

// damage is what a check found wrong; Open turns it into a DamagedError.
type damage struct{ reason string }

func (d *damage) Error() string { return d.reason }

func damagef(format string, args ...any) error {
	// One line, whatever bbolt's or the runtime's text holds.
	return &damage{strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")}
}

// asDamaged names path in a damage found while opening it; other errors
// pass through.
func asDamaged(path string, err error) error {
	var d *damage
	if errors.As(err, &d) {
		return &DamagedError{Path: path, Reason: d.reason}
	}
	return err
}

// guard runs fn with memory faults (SIGBUS, SIGSEGV on the mapped file)
// raised as panics on this goroutine, and returns any panic as a damage.
// Of what Open asks of bbolt, only tx.Check runs on another goroutine: it
// recovers its own panics, and verify starts it only once walk has read
// every page it reads.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damagef("unreadable page: %v", r)
		}
	}()
	return fn()
}

// openGuarded is bbolt.Open under guard. A panic inside bbolt.Open loses the
// *bbolt.DB, so the file it opened is kept here to be closed. If bbolt had
// mapped the file by then, the mapping (and with it the file's lock) stays
// until the process exits: a last resort, as probe checks everything
// bbolt.Open reads beyond the meta pages before it runs.
func openGuarded(path string, o *bbolt.Options) (*bbolt.DB, error) {
	var f *os.File
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		var err error
		f, err = os.OpenFile(name, flag, perm)
		return f, err
	}
	var db *bbolt.DB
	err := guard(func() error {
		var err error
		db, err = bbolt.Open(path, 0o600, o)
		return err
	})
	var d *damage
	if errors.As(err, &d) && f != nil {
		_ = f.Close()
	}
	return db, err
}

// probe opens the existing file at path read-only, which reads its two meta
// pages only, and checks that the file holds every page they say the
// database has. A file cut short within its last page or by whole pages is
// refused here, before anything could touch a page past its end. It then
// checks the freelist page, which bbolt reads as soon as it opens a file
// for writing.
func probe(path string, opts Options) error {
	db, err := openGuarded(path, &bbolt.Options{Timeout: opts.Timeout, ReadOnly: true})
	if err != nil {
		return openError(path, true, err)
	}
	defer db.Close()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open state store %s: %w", path, err)
	}
	defer f.Close()
	return guard(func() error {
		return db.View(func(tx *bbolt.Tx) error {
			info, err := f.Stat()
			if err != nil {
				return fmt.Errorf("open state store %s: %w", path, err)
			}
			size, pageSize := info.Size(), int64(db.Info().PageSize)
			switch {
			case size < tx.Size():
				return damagef("cut short: %d bytes, of the %d its header records", size, tx.Size())
			case size%pageSize != 0:
				// bbolt grows its file by whole pages: a partial last
				// page is a cut (or an append) that bbolt did not make.
				return damagef("cut short: %d bytes is not a whole number of %d-byte pages", size, pageSize)
			}
			pages := &pageChecker{f: f, pageSize: int(pageSize), count: uint64(tx.Size() / pageSize)}
			return pages.freelist(uint64(tx.ID()))
		})
	})
}

// verify reads the whole database: the pages of every bucket's tree
// through the file (pageChecker), then every key and value through bbolt,
// then bbolt's consistency check. It reads; it never writes.
func verify(path string, db *bbolt.DB) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open state store %s: %w", path, err)
	}
	defer f.Close()
	return guard(func() error {
		return db.View(func(tx *bbolt.Tx) error {
			pageSize := db.Info().PageSize
			pages := &pageChecker{f: f, pageSize: pageSize, count: uint64(tx.Size()) / uint64(pageSize),
				seen: map[uint64]bool{}, buf: make([]byte, pageSize)}
			if err := walk("", tx.Cursor().Bucket(), pages); err != nil {
				return err
			}
			var first error
			for err := range tx.Check() { // drain it: the check runs until the channel closes
				if first == nil {
					first = err
				}
			}
			if first != nil {
				return damagef("consistency check: %v", first)
			}
			return nil
		})
	})
}

// jsonBuckets hold one JSON value per stream (see putJSON).
var jsonBuckets = map[string]bool{
	string(bucketCheckpoints): true,
	string(bucketBudgets):     true,
	string(bucketLeases):      true,
}

// walk checks the pages of b's tree, then visits every key of b in cursor
// order, recursing into nested buckets. Cursor order is key order, so a key
// not greater than the one before it is a damaged page. Each value is read
// to its last byte (a JSON value is parsed), which touches any overflow
// page it spans.
func walk(where string, b *bbolt.Bucket, pages *pageChecker) error {
	if root := uint64(b.Root()); root != 0 { // 0: an inline bucket, inside its parent's value
		if err := pages.tree(root); err != nil {
			return damagef("%s: %v", bucketName(where), err)
		}
	}
	var prev []byte
	var touched byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return damagef("keys out of order in %s", bucketName(where))
		}
		prev = k
		if v == nil { // a nested bucket
			name := string(k)
			if where != "" {
				name = where + "/" + name
			}
			child := b.Bucket(k)
			if child == nil {
				return damagef("bucket %q cannot be opened", name)
			}
			if err := walk(name, child, pages); err != nil {
				return err
			}
			continue
		}
		if jsonBuckets[where] && !json.Valid(v) {
			return damagef("the value of %q in %s is not the JSON gatelog wrote", k, bucketName(where))
		}
		if len(v) > 0 {
			touched ^= v[len(v)-1]
		}
	}
	runtime.KeepAlive(touched)
	return nil
}

// bucketName names a bucket by its path from the top ("" for the top).
func bucketName(where string) string {
	if where == "" {
		return "the top-level bucket"
	}
	return fmt.Sprintf("bucket %q", where)
}

// bbolt's page layout (go.etcd.io/bbolt/internal/common, in the machine's
// byte order): a 16-byte header (id uint64, flags uint16, count uint16,
// overflow uint32), then count 16-byte elements; a branch element is
// (pos, ksize uint32, child page id uint64), a leaf element (flags, pos,
// ksize, vsize uint32); an element's key starts pos bytes after the
// element, and a leaf's value follows its key.
const (
	pageHeaderSize  = 16
	pageElementSize = 16
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
)

// pageChecker follows a bucket's tree from its root page, reading each page
// with ReadAt rather than through bbolt's mapping, so that no reference can
// fault, and checks what bbolt dereferences without checking: each page
// says it is the page asked for, is a branch or leaf page, lies below the
// database's size (overflow included) and is referenced once; each element
// and its key (and value) lie within the page. bbolt's cursors, and
// tx.Check in a goroutine of its own, then read only pages checked here:
// without this, a branch element whose key points off the page would crash
// the process in tx.Check, or later in a lookup, with no chance to recover.
type pageChecker struct {
	f        *os.File
	pageSize int
	count    uint64 // pages the database has (its meta page's high-water mark)
	seen     map[uint64]bool
	buf      []byte // one page, reused
}

// The meta page (after the page header): magic, version, page size, flags
// (uint32 each), the root bucket (page id, sequence), the freelist's page
// id, the page count, the transaction id, and a checksum (FNV-64a of all
// that precedes it). A freelist page's count of ids is its header's count,
// or when that is 0xFFFF the first uint64 after the header.
const (
	metaMagic       = 0xED0CDAED
	metaFreelistOff = pageHeaderSize + 32
	metaPgidOff     = pageHeaderSize + 40
	metaTxidOff     = pageHeaderSize + 48
	metaChecksumOff = pageHeaderSize + 56
	freelistFlag    = 0x10
	noFreelist      = ^uint64(0)
)

// freelist checks the freelist page recorded by the meta page of
// transaction txid (the one bbolt chose): its header, that its ids fit in
// it, and that each id is a page of the database. bbolt reads it when it
// opens a file for writing and would trust a count that reaches past the
// end of the file, and would later write to any page id it lists.
func (c *pageChecker) freelist(txid uint64) error {
	var id uint64
	found := false
	for i := range int64(2) {
		var m [metaChecksumOff + 8]byte
		if _, err := c.f.ReadAt(m[:], i*int64(c.pageSize)); err != nil {
			continue
		}
		sum := fnv.New64a()
		sum.Write(m[pageHeaderSize:metaChecksumOff])
		if binary.NativeEndian.Uint32(m[pageHeaderSize:]) == metaMagic &&
			binary.NativeEndian.Uint64(m[metaTxidOff:]) == txid &&
			binary.NativeEndian.Uint64(m[metaPgidOff:]) == c.count &&
			binary.NativeEndian.Uint64(m[metaChecksumOff:]) == sum.Sum64() {
			id, found = binary.NativeEndian.Uint64(m[metaFreelistOff:]), true
			break
		}
	}
	switch {
	case !found:
		return damagef("no meta page of transaction %d", txid)
	case id == noFreelist: // bbolt would rebuild it; gatelog always writes one
		return damagef("its meta page records no freelist")
	case id < 2 || id >= c.count:
		return damagef("its freelist is page %d, outside the database's %d pages", id, c.count)
	}
	p := make([]byte, c.pageSize)
	h, err := c.readPage(id, p)
	if err != nil {
		return damagef("freelist page %d: %v", id, err)
	}
	n, overflow := uint64(h.count), h.overflow
	switch {
	case h.self != id || h.flags != freelistFlag:
		return damagef("page %d is not the freelist page its meta page records", id)
	case id+overflow >= c.count:
		return damagef("freelist page %d runs past the database's %d pages", id, c.count)
	}
	if overflow > 0 {
		p = append(p, make([]byte, overflow*uint64(c.pageSize))...)
		if _, err := c.f.ReadAt(p[c.pageSize:], int64(id+1)*int64(c.pageSize)); err != nil {
			return damagef("freelist page %d: %v", id, err)
		}
	}
	ids := p[pageHeaderSize:]
	if n == 0xFFFF {
		n, ids = binary.NativeEndian.Uint64(ids), ids[8:]
	}
	if n > uint64(len(ids)/8) {
		return damagef("freelist page %d lists %d pages, more than fit", id, n)
	}
	for i := range n {
		if free := binary.NativeEndian.Uint64(ids[8*i:]); free < 2 || free >= c.count {
			return damagef("the freelist lists page %d, outside the database's %d pages", free, c.count)
		}
	}
	return nil
}

func (c *pageChecker) tree(id uint64) error {
	if id < 2 || id >= c.count {
		return damagef("a reference to page %d, outside the database's %d pages", id, c.count)
	}
	p := c.buf
	h, err := c.readPage(id, p)
	if err != nil {
		return damagef("page %d: %v", id, err)
	}
	self, flags, count, overflow := h.self, h.flags, int(h.count), h.overflow
	switch {
	case self != id:
		return damagef("page %d calls itself page %d", id, self)
	case flags != branchPageFlag && flags != leafPageFlag:
		return damagef("page %d is not a branch or leaf page (flags %#x)", id, flags)
	case id+overflow >= c.count:
		return damagef("page %d runs past the database's %d pages", id, c.count)
	}
	for i := range overflow + 1 {
		if c.seen[id+i] {
			return damagef("page %d is referenced twice", id+i)
		}
		c.seen[id+i] = true
	}
	if flags == branchPageFlag {
		p = bytes.Clone(p) // kept while its children are read into c.buf
	}
	size := int(overflow+1) * c.pageSize
	if size > len(p) {
		p = append(p, make([]byte, size-len(p))...)
		if _, err := c.f.ReadAt(p[c.pageSize:], int64(id+1)*int64(c.pageSize)); err != nil {
			return damagef("page %d: %v", id, err)
		}
	}
	if pageHeaderSize+count*pageElementSize > size {
		return damagef("page %d holds %d elements, more than fit", id, count)
	}
	for i := range count {
		e := pageHeaderSize + i*pageElementSize
		if flags == branchPageFlag {
			pos, ksize := binary.NativeEndian.Uint32(p[e:]), binary.NativeEndian.Uint32(p[e+4:])
			if uint64(e)+uint64(pos)+uint64(ksize) > uint64(size) {
				return damagef("page %d: the key of element %d lies outside the page", id, i)
			}
			if err := c.tree(binary.NativeEndian.Uint64(p[e+8:])); err != nil {
				return err
			}
			continue
		}
		pos, ksize, vsize := binary.NativeEndian.Uint32(p[e+4:]), binary.NativeEndian.Uint32(p[e+8:]), binary.NativeEndian.Uint32(p[e+12:])
		if uint64(e)+uint64(pos)+uint64(ksize)+uint64(vsize) > uint64(size) {
			return damagef("page %d: the key or value of element %d lies outside the page", id, i)
		}
	}
	return nil
}

// openError classifies a bbolt.Open failure: a lock timeout is another
// process; an existing file left empty is damaged (bbolt would otherwise
// take it for a new store and every stream would start afresh); a failure
// to read an existing file (but not to open it) means its content is not a
// bbolt database. The file is never deleted for the user: it may hold the
// only record of how far each stream got.
func openError(path string, existed bool, err error) error {
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, bbolt.ErrTimeout):
		return fmt.Errorf("open state store %s: %w: stop it, or point this command at another state file with \"state:\"", path, state.ErrLocked)
	case existed && isEmpty(path):
		return &DamagedError{Path: path, Reason: "the file is empty"}
	case existed && errors.As(err, new(*damage)):
		return asDamaged(path, err)
	case existed && !errors.As(err, &pathErr):
		return &DamagedError{Path: path, Reason: "not a readable bbolt database: " + err.Error()}
	default:
		return fmt.Errorf("open state store %s: %w", path, err)
	}
}

// isEmpty reports whether path is a 0-byte file. It is asked after bbolt
// held the file's lock, so a file another gatelog was just creating has
// its first pages by then.
func isEmpty(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Size() == 0
}

// shellQuote quotes p for a POSIX shell when it needs it.
func shellQuote(p string) string {
	if p != "" && strings.IndexFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@,=", r))
	}) < 0 {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}

// pageHeader is the header bbolt writes at the start of every page.
type pageHeader struct {
	self     uint64 // the page's own id
	flags    uint16
	count    uint16
	overflow uint64 // pages that follow this one as its continuation
}

// readPage reads page id into p (one page long) and parses its header.
func (c *pageChecker) readPage(id uint64, p []byte) (pageHeader, error) {
	if _, err := c.f.ReadAt(p, int64(id)*int64(c.pageSize)); err != nil {
		return pageHeader{}, err
	}
	return pageHeader{
		self:     binary.NativeEndian.Uint64(p[0:]),
		flags:    binary.NativeEndian.Uint16(p[8:]),
		count:    binary.NativeEndian.Uint16(p[10:]),
		overflow: uint64(binary.NativeEndian.Uint32(p[12:])),
	}, nil
}
