package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// idleBatches is how many batches a day file may go untouched before its
// handle is closed. Records mostly arrive for today and yesterday; a late
// record for an older day reopens its file, which is cheap once in a while.
const idleBatches = 4

// stream is the write state of one source/stream directory.
type stream struct {
	mu   sync.Mutex // Writes of one stream are not concurrent, but Close may be
	root string     // the sink directory
	dir  string     // root/source/stream

	// sizes maps every day file of dir to its size after the last
	// successful Write: the position, kept in memory so that no Write has
	// to list the directory.
	sizes map[string]int64
	files map[dayKey]*dayFile // open handles
	seq   uint64              // batch counter, for closing idle handles

	touched     []*dayFile // files written by the current batch (reused)
	dirDirty    bool       // a file was created: dir must be fsynced
	dirReady    bool       // dir and its parents' entries are durable
	needRecover bool       // a Write failed: disk may differ from sizes
	lock        *os.File   // the folder's lock file (lock.go), open until Close
}

// dayKey is a UTC calendar day; comparing it is cheaper than a file name.
type dayKey struct {
	year  int
	month time.Month
	day   int
}

func keyOf(t time.Time) dayKey {
	y, m, d := t.UTC().Date()
	return dayKey{y, m, d}
}

func (k dayKey) fileName() string {
	return fmt.Sprintf("%04d-%02d-%02d.jsonl", k.year, k.month, k.day)
}

// dayFile is an open day file and the bytes the current batch adds to it:
// the records' encoding in buf, except that the Fields of a raw record of
// at least sharedFields bytes stay where the record holds them and are
// written from there (writev), which saves copying the bulk of the bytes
// once.
type dayFile struct {
	name      string
	f         *os.File
	*batchBuf        // from batchBufs while a batch is encoded, else nil
	mark      int    // where buf's current range starts
	size      int64  // bytes the batch adds to the file
	used      uint64 // seq of the last batch that wrote to it
}

// batchBuf is the memory a day file's batch is encoded and written from.
// It is borrowed from batchBufs for one Write and given back emptied, so
// that a sink holds buffers for the batches being written, not one the
// size of its largest batch for every stream it ever wrote: with thousands
// of streams that was most of a daemon's memory. And nothing of a
// record is kept once Write returns: a Fields slice kept would pin the
// whole page or block it came from.
type batchBuf struct {
	buf []byte
	// pieces lists the batch's bytes in order: a range of buf (ext nil)
	// or a record's Fields; buf's last range, from mark on, is not listed.
	pieces []piece
	out    [][]byte        // the pieces as byte slices, for writeAll
	vecs   []syscall.Iovec // scratch for writeAll
}

var batchBufs = sync.Pool{New: func() any { return new(batchBuf) }}

// release empties b of every reference to records and gives it back.
func (b *batchBuf) release() {
	clear(b.pieces)
	clear(b.out[:cap(b.out)])
	clear(b.vecs[:cap(b.vecs)]) // an iovec's Base points into a record's Fields
	b.buf, b.pieces, b.out, b.vecs = b.buf[:0], b.pieces[:0], b.out[:0], b.vecs[:0]
	batchBufs.Put(b)
}

// piece is part of a day file's batch: ext, or buf[start:end] when ext is nil.
type piece struct {
	ext        []byte
	start, end int
}

// sharedFields is the least size of Fields written from the record rather
// than copied: below it a separate piece costs more than the copy.
const sharedFields = 512

// add encodes r, then a newline.
func (df *dayFile) add(r *record.Record) {
	start := len(df.buf)
	if r.Event != nil || len(r.Fields) < sharedFields {
		df.buf = r.AppendJSON(df.buf)
		df.buf = append(df.buf, '\n')
		df.size += int64(len(df.buf) - start)
		return
	}
	df.buf = r.AppendEnvelopeHead(df.buf)
	df.size += int64(len(df.buf)-start) + int64(len(r.Fields)) + 2
	df.pieces = append(df.pieces, piece{start: df.mark, end: len(df.buf)}, piece{ext: r.Fields})
	df.mark = len(df.buf)
	df.buf = append(df.buf, '}', '\n')
}

// batch returns the pieces of the batch as byte slices.
func (df *dayFile) batch() [][]byte {
	out := df.out[:0]
	for _, p := range df.pieces {
		switch {
		case p.ext != nil:
			out = append(out, p.ext)
		case p.end > p.start:
			out = append(out, df.buf[p.start:p.end])
		}
	}
	if len(df.buf) > df.mark {
		out = append(out, df.buf[df.mark:])
	}
	df.out = out
	return out
}

// reset empties the batch and gives its memory back.
func (df *dayFile) reset() {
	if df.batchBuf != nil {
		df.release()
		df.batchBuf = nil
	}
	df.mark, df.size = 0, 0
}

func newStream(root string, id record.StreamID) *stream {
	return &stream{
		root:  root,
		dir:   filepath.Join(root, id.Source, id.Stream),
		sizes: make(map[string]int64),
		files: make(map[dayKey]*dayFile),
	}
}

// write appends recs to their day files and makes them durable. On error it
// leaves the stream marked so that the next write first restores the files to
// sizes, the last position handed out.
func (st *stream) write(recs []record.Record) error {
	if st.needRecover {
		if err := st.reconcile(st.sizes); err != nil {
			return err
		}
	}
	if err := st.appendAll(recs); err != nil {
		st.closeFiles()
		st.needRecover = true
		return err
	}
	st.closeIdle()
	return nil
}

// appendAll encodes recs into per-file buffers, then writes and fsyncs each
// touched file once. sizes changes only when everything is durable.
//
// Then it drops the bytes written from the page cache (dropCache): the sink
// never reads them back, and a collector that writes GBs an hour should not
// crowd everything else out of memory with them. It also makes writing
// cheaper where the kernel's fresh pages are costly: the next batch lands
// in pages just freed. On the shared 2-CPU VM of bench/README.md a 1 GB
// Symantec catch-up (3.7 GB of JSONL) took 11-16 CPU-seconds keeping the
// pages, 7.5-9 dropping them.
func (st *stream) appendAll(recs []record.Record) error {
	st.seq++
	st.touched = st.touched[:0]
	if err := st.encode(recs); err != nil {
		return err
	}
	for _, df := range st.touched {
		var err error
		df.vecs, err = writeAll(df.f, df.batch(), df.vecs)
		if err != nil {
			return err
		}
	}
	if err := st.sync(); err != nil {
		return err
	}
	for _, df := range st.touched {
		dropCache(df.f, st.sizes[df.name], df.size)
		st.sizes[df.name] += df.size
		df.reset()
	}
	return nil
}

// encode appends every record to the buffer of its day file. Consecutive
// records usually share a day, so the map is consulted only when it changes.
func (st *stream) encode(recs []record.Record) error {
	var cur *dayFile
	var curKey dayKey
	for i := range recs {
		if k := keyOf(recs[i].Time); cur == nil || k != curKey {
			df, err := st.file(k)
			if err != nil {
				return err
			}
			cur, curKey = df, k
		}
		cur.add(&recs[i])
	}
	return nil
}

// sync fsyncs every touched file, and the directory if a file was created
// in it, so that the position returned next is backed by the disk.
func (st *stream) sync() error {
	for _, df := range st.touched {
		if err := df.f.Sync(); err != nil {
			return err
		}
	}
	if st.dirDirty {
		if err := syncDir(st.dir); err != nil {
			return err
		}
		st.dirDirty = false
	}
	return nil
}

// file returns the open day file for k, opening it if needed, and records
// that the current batch touches it.
func (st *stream) file(k dayKey) (*dayFile, error) {
	df := st.files[k]
	if df == nil {
		name := k.fileName()
		f, err := st.open(name)
		if err != nil {
			return nil, err
		}
		df = &dayFile{name: name, f: f}
		st.files[k] = df
	}
	if df.used != st.seq {
		df.used = st.seq
		df.batchBuf = batchBufs.Get().(*batchBuf)
		st.touched = append(st.touched, df)
	}
	return df, nil
}

// open opens a day file for appending. A file known to sizes must still have
// that size: anything else means it was changed outside gatelog, and the
// error makes the next write reconcile it. A known file that is gone was
// removed for retention; a late record simply starts it afresh.
func (st *stream) open(name string) (*os.File, error) {
	path := filepath.Join(st.dir, name)
	if want, ok := st.sizes[name]; ok {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			return f, checkSize(f, path, want)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		delete(st.sizes, name)
	}
	return st.create(path)
}

// create makes a new day file. O_EXCL because a file that exists without
// being in sizes was not written by this sink since the last position.
func (st *stream) create(path string) (*os.File, error) {
	if err := st.ensureDir(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, filePerm)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s exists but is not in the sink position: it was created outside gatelog", path)
	}
	if err != nil {
		return nil, err
	}
	st.dirDirty = true
	return f, nil
}

func checkSize(f *os.File, path string, want int64) error {
	fi, err := f.Stat()
	if err == nil && fi.Size() != want {
		err = fmt.Errorf("%s has %d bytes, the sink position says %d: it was changed outside gatelog", path, fi.Size(), want)
	}
	if err != nil {
		_ = f.Close() // the handle is discarded; its close error adds nothing
	}
	return err
}

// ensureDir creates the stream directory once per Recover and fsyncs it and
// its parents: a file's directory entry is only durable if every directory
// above it, up to the sink root, is.
func (st *stream) ensureDir() error {
	if st.dirReady {
		return nil
	}
	if err := os.MkdirAll(st.dir, dirPerm); err != nil {
		return err
	}
	for _, d := range []string{st.dir, filepath.Dir(st.dir), st.root} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	st.dirReady = true
	return nil
}

// closeIdle closes the handles of days not written for idleBatches batches,
// bounding open files for streams that see scattered late records.
func (st *stream) closeIdle() {
	for k, df := range st.files {
		if st.seq-df.used >= idleBatches {
			_ = df.f.Close() // its data was fsynced by the Write that used it
			delete(st.files, k)
		}
	}
}

// closeFiles closes every handle, dropping any unwritten buffer.
func (st *stream) closeFiles() {
	for k, df := range st.files {
		_ = df.f.Close() // written data is fsynced or will be cut by reconcile
		df.reset()
		delete(st.files, k)
	}
	st.touched = st.touched[:0]
}

// closeLock closes the lock file (Close).
func (st *stream) closeLock() {
	if st.lock != nil {
		_ = st.lock.Close()
		st.lock = nil
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
