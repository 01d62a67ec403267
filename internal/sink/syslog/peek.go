package syslog

// peekState is what a non-blocking look at a socket found.
type peekState uint8

const (
	peekUnknown peekState = iota // this system cannot peek: read to find out
	peekEmpty                    // nothing to read: the connection is open
	peekData                     // bytes are waiting (a TLS record, say)
	peekClosed                   // end of stream or a socket error
)
