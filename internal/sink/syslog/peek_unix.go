//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package syslog

import (
	"errors"
	"net"
	"syscall"
)

// peek looks at the socket without consuming or waiting: a receiver that
// closed or reset the connection shows as end of stream or an error. The
// socket is already non-blocking (Go's poller), so EAGAIN means "open and
// nothing sent".
func peek(c net.Conn) (peekState, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return peekUnknown, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return peekUnknown, nil
	}
	st, perr := peekUnknown, error(nil)
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK):
			st = peekEmpty
		case errors.Is(err, syscall.EINTR):
			st = peekUnknown
		case err != nil:
			st, perr = peekClosed, err
		case n == 0:
			st = peekClosed
		default:
			st = peekData
		}
		return true // never wait for readability
	})
	if err != nil { // the descriptor is closed
		return peekClosed, err
	}
	return st, perr
}
