// Package file breaks "internal/sink/... -> internal/state/...".
package file

import "example.com/badmod/internal/state"

// X uses state.
const X = state.X
