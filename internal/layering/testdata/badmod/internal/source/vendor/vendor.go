// Package vendor breaks "internal/source/... -> internal/sink/...".
package vendor

import "example.com/badmod/internal/sink/file"

// X uses file.
const X = file.X
