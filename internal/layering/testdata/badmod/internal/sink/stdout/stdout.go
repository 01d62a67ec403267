// Package stdout breaks "internal/sink/... -> internal/source/...".
package stdout

import "example.com/badmod/internal/source"

// X uses source.
const X = source.X
