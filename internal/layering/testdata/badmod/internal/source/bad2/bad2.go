// Package bad2 breaks "internal/source/... -> internal/simulator/..." in production code.
package bad2

import "example.com/badmod/internal/simulator/clean"

// X uses clean.
const X = clean.X
