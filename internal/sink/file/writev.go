package file

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// maxIovecs is how many pieces one writev call takes (Linux's IOV_MAX).
const maxIovecs = 1024

// writeAll writes the pieces to f in order with as few writev calls as
// they allow, like one Write of their concatenation: a short write goes on
// where it stopped. vecs is scratch space, returned for reuse.
func writeAll(f *os.File, pieces [][]byte, vecs []syscall.Iovec) ([]syscall.Iovec, error) {
	if len(pieces) == 1 {
		_, err := f.Write(pieces[0])
		return vecs, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return vecs, err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(pieces) > 0 {
			vecs = vecs[:0]
			for _, p := range pieces[:min(len(pieces), maxIovecs)] {
				v := syscall.Iovec{Base: unsafe.SliceData(p)}
				v.SetLen(len(p))
				vecs = append(vecs, v)
			}
			n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(unsafe.SliceData(vecs))), uintptr(len(vecs)))
			switch {
			case errno == syscall.EINTR:
				continue
			case errno != 0:
				werr = errno
				return true
			case n == 0:
				werr = io.ErrShortWrite
				return true
			}
			pieces = advance(pieces, int(n))
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return vecs, err
}

// advance drops the first n bytes of pieces. It may shorten the first
// piece left in place: the caller's slice of pieces is scratch.
func advance(pieces [][]byte, n int) [][]byte {
	for n > 0 && len(pieces) > 0 {
		if n < len(pieces[0]) {
			pieces[0] = pieces[0][n:]
			return pieces
		}
		n -= len(pieces[0])
		pieces = pieces[1:]
	}
	for len(pieces) > 0 && len(pieces[0]) == 0 {
		pieces = pieces[1:]
	}
	return pieces
}
