//go:build linux && (amd64 || arm64)

package file

import (
	"os"
	"syscall"
)

// fadvDontNeed is POSIX_FADV_DONTNEED.
const fadvDontNeed = 4

// pageSize is the page cache's unit; a smaller real page only makes the
// range start a little earlier than needed.
const pageSize = 4096

// dropCache tells the kernel that f's bytes from off on, n of them, written
// and fsynced, will not be read back by this process, so their pages can
// leave the page cache (see stream.appendAll). It starts at the page
// holding off, which the batch before left partly filled and this one
// filled up. Only advice: an error changes nothing that matters.
func dropCache(f *os.File, off, n int64) {
	start := off &^ (pageSize - 1)
	_, _, _ = syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), uintptr(start), uintptr(off+n-start), fadvDontNeed, 0, 0)
}
