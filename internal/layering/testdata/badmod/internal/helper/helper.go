// Package helper imports sink; it breaks no rule itself.
package helper

import "example.com/badmod/internal/sink"

// X uses sink.
const X = sink.X
