// Package n breaks both normalize rules.
package n

import (
	"example.com/badmod/internal/sink"
	"example.com/badmod/internal/source"
)

// X uses sink and source.
const X = sink.X + source.X
