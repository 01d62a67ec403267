package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
)

// fillStore writes a store like one gatelog leaves: a few streams with
// checkpoints and budgets, and marks seen streams, several pages of them.
func fillStore(t testing.TB, path string, marks int) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, stream := range []string{"access", "admin", "swgweb"} {
		id := record.StreamID{Source: "acme", Stream: stream}
		c := state.Checkpoint{Cursor: []byte("cursor-" + stream), Records: uint64(marks), EventTime: start,
			Seen: statetest.SeenBatch(start.Add(time.Duration(i)*time.Hour), marks, stream)}
		if err := s.Commit(id, c); err != nil {
			t.Fatal(err)
		}
		if err := s.SetBudget(id, state.Budget{Day: "2025-03-01", Used: 7, Remaining: -1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// layoutOf reads, with bbolt directly, the page size, the size the meta
// page records, the ids of the pages in use (branch and leaf pages, not
// free ones) and of the branch pages, and the freelist's page, of a
// healthy file.
func layoutOf(t *testing.T, path string) (pageSize, dataSize int, used, branches []int, freelist int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		dataSize = int(tx.Size())
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" || p.Type == "branch" {
				used = append(used, id)
			}
			switch p.Type {
			case "branch":
				branches = append(branches, id)
			case "freelist":
				freelist = id
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return db.Info().PageSize, dataSize, used, branches, freelist
}

// damageKinds returns each way a state file gets damaged, as a function
// of the healthy file's bytes.
func damageKinds(t *testing.T, path string) map[string]func([]byte) []byte {
	pageSize, dataSize, used, branches, freelist := layoutOf(t, path)
	if len(used) < 8 || len(branches) == 0 || freelist == 0 {
		t.Fatalf("the healthy store has %d pages in use; the test wants a bigger one", len(used))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	cut := func(n int) func([]byte) []byte { return func(b []byte) []byte { return b[:n] } }
	// page edits page number used[len/2], a page in use in the middle.
	page := func(edit func(p []byte)) func([]byte) []byte {
		return func(b []byte) []byte {
			id := used[len(used)/2]
			edit(b[id*pageSize : (id+1)*pageSize])
			return b
		}
	}
	return map[string]func([]byte) []byte{
		"cut in half":           cut(dataSize / 2),
		"cut one page short":    cut(dataSize - pageSize),
		"cut a few bytes short": func(b []byte) []byte { return b[:len(b)-3] },
		"cut to the meta pages": cut(2 * pageSize),
		"cut to one page":       cut(pageSize),
		"cut to 100 bytes":      cut(100),
		"zeroed":                func(b []byte) []byte { return make([]byte, len(b)) },
		"emptied":               cut(0),
		"garbage, same size":    func(b []byte) []byte { return garbage(len(b)) },
		"garbage, 64 KiB":       func([]byte) []byte { return garbage(64 << 10) },
		"garbage, 10000 bytes":  func([]byte) []byte { return garbage(10000) },
		"text":                  func([]byte) []byte { return []byte("this is not a database\n") },
		"page zeroed":           page(func(p []byte) { clear(p) }),
		"page of garbage":       page(func(p []byte) { copy(p, garbage(len(p))) }),
		"page header flipped":   page(func(p []byte) { p[0] ^= 0xff; p[1] ^= 0x5a }),
		"page element flipped": page(func(p []byte) { // the first element's key position and size
			for i := 16 + 4; i < 16+12; i++ {
				p[i] ^= 0xa5
			}
		}),
		"page count flipped": page(func(p []byte) { p[10] ^= 0x7f; p[11] ^= 0x7f }),
		// A branch whose first child is a page past the end of the file
		// but inside bbolt's mapping (which a spare page at the end makes
		// twice the file's size): reading it raises SIGBUS.
		"branch points past the end": func(b []byte) []byte {
			b = append(b, make([]byte, pageSize)...)
			setChild(b, branches[0]*pageSize, uint64(len(b)/pageSize+10))
			return b
		},
		// A branch whose first key lies far outside the page: bbolt's
		// cursors do not read it, but tx.Check (in a goroutine of its own,
		// where a fault cannot be recovered) and a later Seek would.
		"branch key off the page": func(b []byte) []byte {
			binary.NativeEndian.PutUint32(b[branches[0]*pageSize+16:], 1<<30)
			return b
		},
		// A freelist whose count of ids reaches far past the file: bbolt
		// reads the freelist as soon as it opens a file for writing.
		"freelist count huge": func(b []byte) []byte {
			p := b[freelist*pageSize:]
			binary.NativeEndian.PutUint16(p[10:], 0xFFFF)
			binary.NativeEndian.PutUint64(p[16:], 1<<22)
			return b
		},
		// A freelist listing a page the database does not have: bbolt
		// would write a page there.
		"freelist lists a page outside": func(b []byte) []byte {
			p := b[freelist*pageSize:]
			binary.NativeEndian.PutUint16(p[10:], 1)
			binary.NativeEndian.PutUint64(p[16:], 1<<20)
			return b
		},
		"freelist page zeroed": func(b []byte) []byte {
			clear(b[freelist*pageSize : (freelist+1)*pageSize])
			return b
		},
		// ... or far outside the mapping: SIGSEGV.
		"branch points far away": func(b []byte) []byte {
			setChild(b, branches[0]*pageSize, 1<<27)
			return b
		},
	}
}

// setChild points the first element of the branch page at off to page id.
// A branch element is pos, ksize (uint32 each) then pgid, after the 16-byte
// page header, in the machine's byte order.
func setChild(b []byte, off int, id uint64) {
	binary.NativeEndian.PutUint64(b[off+16+8:], id)
}

// Every kind of damage is refused by Open, read-only or not, with one line
// naming the file and what to do; the file is left as it was; and no lock
// is left behind (the second open would then say ErrLocked instead).
func TestDamagedFileIsRefused(t *testing.T) {
	healthy := filepath.Join(t.TempDir(), "healthy.db")
	fillStore(t, healthy, 3000)
	good, err := os.ReadFile(healthy)
	if err != nil {
		t.Fatal(err)
	}
	for name, damage := range damageKinds(t, healthy) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			content := damage(bytes.Clone(good))
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{true, false, true} {
				s, err := Open(path, Options{Timeout: 100 * time.Millisecond, ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("Open(ReadOnly=%v) of a damaged file succeeded", ro)
				}
				var de *DamagedError
				if !errors.Is(err, state.ErrDamaged) || !errors.As(err, &de) || de.Path != path {
					t.Fatalf("Open(ReadOnly=%v) = %v; want a DamagedError of %s wrapping state.ErrDamaged", ro, err, path)
				}
				msg := err.Error()
				for _, want := range []string{path, "restore it from a backup", "move it aside", "mv " + path + " " + path + ".damaged", `"start" look-back`} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not say %q", msg, want)
					}
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("error is not one line: %q", msg)
				}
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
				t.Errorf("Open changed the damaged file (err %v)", err)
			}
		})
	}
}

// guard turns a memory fault, such as reading a mapped page past the end of
// its file (SIGBUS), and a panic into an error, instead of a crash.
func TestGuardRecoversFaultsAndPanics(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "short"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := os.Getpagesize()
	if err := f.Truncate(int64(page)); err != nil {
		t.Fatal(err)
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, 2*page, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	var got byte
	err = guard(func() error { got = mem[page+1]; return nil })
	if !errors.As(err, new(*damage)) || !strings.Contains(err.Error(), "unreadable page") {
		t.Errorf("guard(read past the end of the file) = %v, %d; want an unreadable page", err, got)
	}
	err = guard(func() error { panic("assertion failed: Page expected to be: 5, but self identifies as 0") })
	if !errors.As(err, new(*damage)) || !strings.Contains(err.Error(), "self identifies as 0") {
		t.Errorf("guard(panic) = %v; want an unreadable page", err)
	}
	if err := guard(func() error { return nil }); err != nil {
		t.Errorf("guard(fine) = %v", err)
	}
}

// The reason says what is wrong, for the kinds where one can tell.
func TestDamageReasons(t *testing.T) {
	healthy := filepath.Join(t.TempDir(), "healthy.db")
	fillStore(t, healthy, 3000)
	good, _ := os.ReadFile(healthy)
	kinds := damageKinds(t, healthy)
	for name, want := range map[string]string{
		"cut in half":             "cut short",
		"cut one page short":      "cut short",
		"cut a few bytes short":   "not a whole number of 4096-byte pages",
		"emptied":                 "the file is empty",
		"zeroed":                  "not a readable bbolt database",
		"page zeroed":             "calls itself page 0",
		"branch key off the page": "the key of element 0 lies outside the page",
		"freelist count huge":     "more than fit",
		"freelist page zeroed":    "is not the freelist page",
	} {
		path := filepath.Join(t.TempDir(), "state.db")
		os.WriteFile(path, kinds[name](bytes.Clone(good)), 0o600)
		var de *DamagedError
		if _, err := Open(path, Options{}); !errors.As(err, &de) || !strings.Contains(de.Reason, want) {
			t.Errorf("%s: Open = %v; want a reason saying %q", name, err, want)
		}
	}
}

// A missing file is a new store; an empty one is not (bbolt alone would
// take it for one, and every stream would start afresh without a word).
func TestMissingFileIsCreatedEmptyFileIsRefused(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	openT(t, path, Options{ReadOnly: true}) // it is a store now

	empty := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		if _, err := Open(empty, Options{ReadOnly: ro}); !errors.Is(err, state.ErrDamaged) || !strings.Contains(err.Error(), "empty") {
			t.Fatalf("Open(ReadOnly=%v) of an empty file = %v; want ErrDamaged saying it is empty", ro, err)
		}
	}
	if info, err := os.Stat(empty); err != nil || info.Size() != 0 {
		t.Fatalf("the empty file was changed: %v, %v", info, err)
	}
}

// A healthy store with many pages passes the checks, read-only and not.
func TestHealthyStorePassesTheChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	fillStore(t, path, 3000)
	for _, ro := range []bool{true, false} {
		s := openT(t, path, Options{ReadOnly: ro})
		entries, err := s.List()
		if err != nil || len(entries) != 3 || entries[0].SeenMarks != 3000 {
			t.Fatalf("List = %+v, %v", entries, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/gatelog/state.db": "/var/lib/gatelog/state.db",
		"/data/my state.db":         "'/data/my state.db'",
		"it's.db":                   `'it'\''s.db'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// BenchmarkOpenVerify opens a store of about 20 MB of seen marks: the cost
// the damage checks add to every start (compare BenchmarkOpenBare).
func BenchmarkOpenVerify(b *testing.B) {
	path := bigStore(b)
	for b.Loop() {
		s, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	reportSize(b, path)
}

// BenchmarkOpenBare is bbolt.Open and one read transaction, no checks.
func BenchmarkOpenBare(b *testing.B) {
	path := bigStore(b)
	for b.Loop() {
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		_ = db.View(func(*bbolt.Tx) error { return nil })
		db.Close()
	}
	reportSize(b, path)
}

// bigStore builds a store of about 20 MB.
func bigStore(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "state.db")
	fillStore(b, path, 60_000)
	return path
}

// reportSize reports the file's size and the size of the database in it
// (bbolt grows a file past 16 MB by 16 MB at a time).
func reportSize(b *testing.B, path string) {
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bbolt.Tx) error {
		b.ReportMetric(float64(tx.Size())/1e6, "data-MB")
		return nil
	})
	b.ReportMetric(float64(info.Size())/1e6, "file-MB")
}

// Bytes flipped at random in pages of a store never crash Open, nor the
// use of a store Open accepted (a flip inside a key or value, or in an
// unused part of a page, can leave a file bbolt cannot tell from a good
// one): every file is either refused with a DamagedError or usable.
func TestRandomDamageNeverCrashes(t *testing.T) {
	healthy := filepath.Join(t.TempDir(), "healthy.db")
	fillStore(t, healthy, 3000)
	good, err := os.ReadFile(healthy)
	if err != nil {
		t.Fatal(err)
	}
	pageSize, _, used, _, _ := layoutOf(t, healthy)
	rng := rand.New(rand.NewPCG(20250301, 7))
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "state.db")
	iterations := 150
	if testing.Short() {
		iterations = 30
	}
	var refused int
	for range iterations {
		b := bytes.Clone(good)
		page := used[rng.IntN(len(used))]
		for range 1 + rng.IntN(8) {
			off := rng.IntN(pageSize)
			if rng.IntN(2) == 0 {
				off = rng.IntN(64) // the header and the first elements
			}
			b[page*pageSize+off] ^= byte(1 + rng.IntN(255))
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, ro := range []bool{true, false} {
			s, err := Open(path, Options{ReadOnly: ro})
			if err != nil {
				if !errors.Is(err, state.ErrDamaged) {
					t.Fatalf("page %d damaged: Open(ReadOnly=%v) = %v; want ErrDamaged", page, ro, err)
				}
				refused++
				continue
			}
			// The accepted store is used as a run would use it.
			_, _ = s.List()
			for _, stream := range []string{"access", "admin", "swgweb"} {
				id := record.StreamID{Source: "acme", Stream: stream}
				_, _, _ = s.Checkpoint(id)
				_, _ = s.Seen(id, statetest.SeenBatch(start, 3000, stream))
				if !ro {
					_ = s.Commit(id, state.Checkpoint{Records: 1, PruneSeenBefore: start.Add(30 * time.Minute),
						Seen: statetest.SeenBatch(start.Add(time.Hour), 300, "new")})
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d of %d opens refused", refused, 2*iterations)
	if refused == 0 {
		t.Error("no damage was found: the test damages nothing")
	}
}
